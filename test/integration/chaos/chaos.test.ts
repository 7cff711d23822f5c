import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runChaos } from "../../../bench/chaos/chaos-run.js";
import { ChaosParams } from "../../../bench/chaos/params.js";
import { spearletSummary, summaryTable, timelineTable } from "../../../bench/chaos/report.js";
import { locateBinary } from "../../../infra/local/binaries.js";
import { printTable } from "../../../services/cli/output.js";
import { testLog } from "../../support/nats.js";

// `npm run chaos` in short: the whole system as separate processes, 300 calls at 40/s from a plain
// NATS client, and every kind of fault on a compressed schedule (a spearlet killed -9 about every
// 1.5 s; once each a scheduler, the control plane, nats-server, redis-server and the projection
// worker). No fault-free pass: correctness is checked here, speed belongs to `npm run chaos`.
const params = ChaosParams.parse({
  calls: 300,
  rate: 40,
  spearletKillEveryMs: 1_500,
  spearletDownMs: 500,
  serviceDownMs: 500,
  natsDownMs: 1_000,
  resultWaitMs: 45_000,
});

// The faults kill -9 and restart the servers on the same port and store: that needs the binaries, not containers.
describe.skipIf(!locateBinary("nats-server") || !locateBinary("redis-server"))("chaos, short", () => {
  it("loses nothing and records nothing twice while every kind of process is killed -9", { timeout: 240_000 }, async () => {
    const workDir = mkdtempSync(join(tmpdir(), "spear-chaos-test-"));
    let passed = false;
    try {
      const r = await runChaos({ params, baseline: false, workDir, log: testLog, signal: AbortSignal.timeout(200_000) });
      const summary = summaryTable(r);
      printTable(summary.head, summary.rows);
      const timeline = r.passes.chaos!.timeline;
      const faults = timelineTable(timeline);
      printTable(faults.head, faults.rows);
      process.stdout.write(`${spearletSummary(r)}\n`);

      const f = (name: string) => r.figures[`chaos.${name}`]?.value;
      expect(f("faults.once_skipped"), "every one-off fault was injected").toBe(0);
      expect(f("faults.kills"), "the five one-off faults and a few spearlets").toBeGreaterThanOrEqual(7);
      expect(f("calls.submitted")).toBe(300);
      expect(r.passes.chaos!.evidence.lost, "acknowledged calls without a recorded result").toEqual([]);
      expect(r.passes.chaos!.evidence.doubleRecords, "calls with more than one message on their result subject").toEqual([]);
      expect(r.passes.chaos!.evidence.doubleReplies, "calls with two different replies").toEqual([]);
      expect(f("results.lost")).toBe(0);
      expect(f("results.double_records")).toBe(0);
      expect(f("results.double_replies")).toBe(0);
      // Every call has exactly one recorded result: one per id, and no id with two.
      expect(f("results.recorded")).toBe(f("calls.submitted"));
      expect(f("results.messages")).toBe(f("calls.submitted"));
      expect(r.passes.chaos!.diedOnOwn, "processes that exited without being killed or stopped").toEqual([]);
      passed = true;
    } finally {
      // A failed run keeps its logs and its servers' stores: the evidence of what went wrong.
      if (passed) rmSync(workDir, { recursive: true, force: true });
      else process.stderr.write(`chaos work folder kept: ${workDir}\n`);
    }
  });
});
