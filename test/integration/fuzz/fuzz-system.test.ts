import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFuzz, type FuzzOutcome } from "../../../bench/fuzz/campaign.js";
import { FuzzParams, EDGES } from "../../../bench/fuzz/params.js";
import { regressionCorpus } from "../../../bench/fuzz/corpus.js";
import { outcomeTable } from "../../../bench/fuzz/report.js";

/**
 * The fuzz run of `npm run fuzz` (bench/fuzz), small and seeded: the whole system as separate
 * processes on its own servers, a few hundred random and mutated messages across every edge
 * (the NATS API, the invoke stream, the HTTP gateway, the guests' outputs). No process may
 * die, every message must get a typed answer, nothing may stay unacknowledged, and a normal
 * call must still work. SPEAR_FUZZ_SEED replays another seed.
 */
const params = FuzzParams.parse({ messages: 400, seed: Number(process.env.SPEAR_FUZZ_SEED ?? 1_204), answerTimeoutMs: 30_000, settleMs: 20_000 });
const dir = mkdtempSync(join(tmpdir(), "spear-fuzz-"));
let outcome: FuzzOutcome;
/** Printed with every failed check, so the failure can be replayed and read. */
let summary = "";

beforeAll(async () => {
  outcome = await runFuzz(params, dir);
  summary = `seed ${params.seed} (SPEAR_FUZZ_SEED=${params.seed} replays it)\n${outcomeTable(outcome)}`;
}, 150_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const evidence = (pick: (o: FuzzOutcome) => unknown) => `${summary}\n${JSON.stringify(pick(outcome), null, 2).slice(0, 6_000)}`;

describe(`fuzz against real servers (${params.messages} messages)`, () => {
  it("sent every planned message (the regression corpus, then the random ones)", () => {
    expect(EDGES.reduce((n, e) => n + outcome.byEdge[e].sent, 0)).toBe(regressionCorpus().length + params.messages);
  });

  it("no process died, and no failure escaped to a last-resort handler", () => {
    expect(outcome.crashes, evidence((o) => o.crashes)).toEqual([]);
    expect(outcome.escaped, evidence((o) => o.escaped)).toEqual([]);
  });

  it("answered every message, each with a typed answer", () => {
    for (const e of EDGES) {
      expect(outcome.byEdge[e].untyped, `${e}: ${evidence((o) => o.samples.filter((s) => s.edge === e))}`).toBe(0);
      expect(outcome.byEdge[e].missing, `${e}: ${evidence((o) => o.samples.filter((s) => s.edge === e))}`).toBe(0);
    }
  });

  it("refused bad input as the caller's fault, never with `internal`", () => {
    for (const e of EDGES) expect(outcome.byEdge[e].internal, `${e}: ${evidence((o) => o.errorLines)}`).toBe(0);
  });

  it("left nothing unacknowledged on the scheduler's and the spearlets' consumers", () => {
    expect(outcome.stuck, evidence((o) => o.consumers)).toBe(0);
  });

  it("still serves a normal call afterwards", () => {
    for (const c of outcome.finalCalls) expect(c.ok, `${c.function}: ${c.detail}\n${summary}`).toBe(true);
  });
});
