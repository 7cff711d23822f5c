import { randomBytes } from "node:crypto";
import { SpearClient } from "../../services/sdk/client.js";
import { connectNats } from "../../streams/connection.js";
import { apiEdge } from "./edges/api-edge.js";
import type { Edge as EdgeDriver, EdgeContext } from "./edges/edge.js";
import { guestEdge } from "./edges/guest-edge.js";
import { httpEdge } from "./edges/http-edge.js";
import { invokeEdge } from "./edges/invoke-edge.js";
import { poolSettingsNow, restorePools } from "./cluster-config.js";
import { deployFunctions, FUZZ_FUNCTIONS } from "./functions.js";
import type { Edge, FuzzParams } from "./params.js";
import { planMessages } from "./plan.js";
import { ReplyBox } from "./replies.js";
import { settleConsumers, stuckOf, type ConsumerState } from "./settle.js";
import { FuzzSystem, type Crash } from "./system.js";
import { Tallies, type EdgeTally, type Sample, type Verdict } from "./tally.js";

/** A normal call after the fuzzing: the system must still serve. */
export interface FinalCall {
  readonly function: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface FuzzOutcome {
  readonly seed: number;
  readonly byEdge: Record<Edge, EdgeTally>;
  readonly crashes: readonly Crash[];
  /** Failures that reached a service's last-resort handler (logged and served through). */
  readonly escaped: readonly string[];
  readonly consumers: readonly ConsumerState[];
  readonly stuck: number;
  readonly settledMs: number;
  readonly finalCalls: readonly FinalCall[];
  /** Replies that came again to a reply subject already answered. */
  readonly repeatedReplies: number;
  readonly samples: readonly Sample[];
  /** Error lines the services logged (a few, as evidence). */
  readonly errorLines: readonly string[];
  readonly sendMs: number;
}

/** Per message: its own answer timeout plus room to judge it; nothing waits past this. */
const JUDGE_GRACE_MS = 15_000;

function bounded(p: Promise<Verdict>, ms: number): Promise<Verdict> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Verdict>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "missing", problem: `not judged within ${ms} ms` }), ms);
  });
  return Promise.race([p.catch((e: unknown): Verdict => ({ kind: "missing", problem: `the sender failed: ${String(e)}` })), late]).finally(() => clearTimeout(timer));
}

/** Runs `fn` over the items with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

async function finalCalls(client: SpearClient): Promise<FinalCall[]> {
  const calls: [string, unknown][] = [
    [FUZZ_FUNCTIONS.echo, { hello: "after the fuzz" }],
    [FUZZ_FUNCTIONS.guest, { mode: "echo", value: { hello: "after the fuzz" } }],
  ];
  const out: FinalCall[] = [];
  for (const [fn, input] of calls) {
    try {
      const r = await client.invokeForResult(fn, input, { waitMs: 30_000 });
      const ok = r.status === "succeeded" && JSON.stringify(r.output) === JSON.stringify({ hello: "after the fuzz" });
      out.push({ function: fn, ok, detail: `${r.status}${r.error ? ` ${r.error.code}: ${r.error.message}` : ""}` });
    } catch (e) {
      out.push({ function: fn, ok: false, detail: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}

/**
 * The fuzz run: starts the system in `dir`, deploys the fuzzed functions, sends the planned
 * messages (at most `concurrency` at once, each judged within its time), lets the consumers
 * settle, makes normal calls, and stops everything, whatever happened.
 */
export async function runFuzz(p: FuzzParams, dir: string, onProgress: (done: number, total: number) => void = () => undefined): Promise<FuzzOutcome> {
  const system = await FuzzSystem.start({ dir, spearlets: p.spearlets, slots: p.slots });
  let client: SpearClient | undefined;
  let nats: Awaited<ReturnType<typeof connectNats>> | undefined;
  let replies: ReplyBox | undefined;
  try {
    client = await SpearClient.connect({ url: system.natsUrl, name: "spear-fuzz-control", reconnect: false, connectTimeoutMs: 10_000 });
    await deployFunctions(client, system.nodeIds, p.functionTimeoutMs);
    const settingsBefore = await poolSettingsNow(client.connection);
    nats = await connectNats({ url: system.natsUrl, name: "spear-fuzz", timeoutMs: 10_000 });
    const runId = randomBytes(4).toString("hex");
    replies = new ReplyBox(nats.nc, runId);
    await nats.nc.flush();
    const ctx: EdgeContext = { ...nats, replies, gatewayUrl: system.gatewayUrl, answerTimeoutMs: p.answerTimeoutMs, runId };
    const targets = { functions: Object.values(FUZZ_FUNCTIONS), nodes: system.nodeIds };
    const drivers = { api: apiEdge(targets), invoke: invokeEdge(targets), http: httpEdge(targets), guest: guestEdge() } as Record<Edge, EdgeDriver<unknown>>;
    const plan = planMessages(p, drivers);
    const tallies = new Tallies(p.samples);
    const t0 = performance.now();
    let done = 0;
    await pool(plan, p.concurrency, async ({ edge, index, message }) => {
      const d = drivers[edge];
      const verdict = await bounded(d.send(ctx, message, index), p.answerTimeoutMs + JUDGE_GRACE_MS);
      tallies.record(edge, index, () => d.describe(message), verdict);
      if (++done % 500 === 0) onProgress(done, plan.length);
    });
    const sendMs = Math.round(performance.now() - t0);
    const { states, settledMs } = await settleConsumers(nats.jsm, system.nodeIds, p.settleMs);
    await restorePools(client.connection, settingsBefore);
    const calls = await finalCalls(client);
    return {
      seed: p.seed,
      byEdge: tallies.byEdge,
      crashes: [...system.crashes],
      escaped: system.errorLines.filter((l) => /uncaught exception|unhandled rejection/.test(l)),
      consumers: states,
      stuck: states.reduce((s, c) => s + stuckOf(c), 0),
      settledMs,
      finalCalls: calls,
      repeatedReplies: replies.repeated,
      samples: tallies.samples,
      errorLines: system.errorLines.slice(0, 40),
      sendMs,
    };
  } finally {
    replies?.close();
    await nats?.nc.close().catch(() => undefined);
    await client?.close().catch(() => undefined);
    await system.stop();
  }
}
