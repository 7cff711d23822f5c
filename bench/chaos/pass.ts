import { join } from "node:path";
import type { Logger } from "pino";
import { randomIndex, seededRng, type Rng } from "../../domain/scheduling/random.js";
import { auditCalls, type Audit } from "./audit.js";
import { FaultInjector } from "./fault-injector.js";
import { deployFunctions, ECHO, SLEEP } from "./functions.js";
import { IdleMonitor, type IdleFigures } from "./idle-monitor.js";
import { ChaosClient, type Call } from "./load-client.js";
import { loadMs, type ChaosParams } from "./params.js";
import type { UnexpectedExit } from "./supervised-service.js";
import { ChaosSystem } from "./system.js";
import { Timeline, type TimelineEntry } from "./timeline.js";

export type PassKind = "baseline" | "chaos";

export interface PassOutcome {
  readonly kind: PassKind;
  readonly audit: Audit;
  readonly idle: IdleFigures;
  readonly timeline: readonly TimelineEntry[];
  readonly deaths: readonly UnexpectedExit[];
  /** kill -9s the harness made. */
  readonly kills: number;
  readonly onceSkipped: number;
  /** How long submitting took. */
  readonly loadMs: number;
  /** From the last submit until every acknowledged call had a result seen, or the wait's bound. */
  readonly resultsWaitMs: number;
  readonly allResultsSeen: boolean;
}

/** A process that keeps dying on its own is started again at most this often per pass. */
const MAX_REVIVALS = 20;

/** The calls of a pass: the same seed draws the same mix and inputs in both passes. */
function planOf(p: ChaosParams, runId: string, rng: Rng): (k: number) => Call {
  return (k) => {
    const id = `${runId}-${k}`;
    if (rng() < p.sleepShare) return { id, fn: SLEEP, input: { sleepMs: p.sleepMinMs + randomIndex(rng, p.sleepMaxMs - p.sleepMinMs + 1) } };
    return { id, fn: ECHO, input: { k, at: id } };
  };
}

/**
 * One pass: the whole system started afresh in `dir`, both functions deployed, the paced load
 * (with faults when `kind` is chaos), the wait for every result, and the audit. Whatever was
 * started is stopped by pid before it returns or throws.
 */
export async function runPass(o: { kind: PassKind; params: ChaosParams; dir: string; runId: string; log: Logger; signal: AbortSignal }): Promise<PassOutcome> {
  const { params: p, log } = o;
  const timeline = new Timeline();
  const deaths: UnexpectedExit[] = [];
  const revivals = new Map<string, number>();
  const reviving = new Set<Promise<unknown>>();
  let system: ChaosSystem | undefined;

  // A process that ended on its own is counted, then started again so the rest of the run still has it.
  const onUnexpectedExit = (e: UnexpectedExit) => {
    deaths.push(e);
    const lastLog = e.logTail.length ? `; last log: ${e.logTail.at(-1)}` : "";
    timeline.add("died on its own", e.name, { pid: e.pid, note: `exit code ${e.code ?? "-"}, signal ${e.signal ?? "-"}${lastLog}` });
    log.warn({ part: e.name, pid: e.pid, code: e.code, signal: e.signal, logTail: e.logTail }, "a process died on its own");
    const n = (revivals.get(e.name) ?? 0) + 1;
    revivals.set(e.name, n);
    if (n > MAX_REVIVALS) return;
    const revive = new Promise((r) => setTimeout(r, p.serviceDownMs))
      .then(async () => {
        if (!system || system.stopping) return;
        timeline.add("restarted", e.name, { pid: await system.restart(e.name) });
      })
      .catch((err: unknown) => log.error({ part: e.name, err }, "could not start a dead process again"));
    reviving.add(revive);
    void revive.finally(() => reviving.delete(revive));
  };

  system = await ChaosSystem.start({ dir: o.dir, spearlets: p.spearlets, slots: p.slots, schedulers: p.schedulers, log, onUnexpectedExit });
  let client: ChaosClient | undefined;
  let injector: FaultInjector | undefined;
  let monitor: IdleMonitor | undefined;
  try {
    const executionLog = join(o.dir, "executions.log");
    await deployFunctions(system.control, { executionLog, timeoutMs: p.functionTimeoutMs, nodeIds: system.nodeIds });
    client = await ChaosClient.connect({ url: system.natsUrl, runId: o.runId, publishTimeoutMs: p.publishTimeoutMs, publishTries: p.publishTries, publishBackoffMs: p.publishBackoffMs });
    const c = client;
    monitor = new IdleMonitor(c.nc, system.nodeIds, () => c.outstanding(p.outstandingAfterMs), { everyMs: p.healthEveryMs, timeoutMs: p.healthTimeoutMs });
    if (o.kind === "chaos" && p.faults) injector = new FaultInjector(system, timeline, p, log);

    log.info({ calls: p.calls, rate: p.rate, faults: injector !== undefined }, "load begins");
    timeline.begin();
    monitor.start();
    injector?.start(loadMs(p));
    const load = await c.runLoad({ calls: p.calls, rate: p.rate, plan: planOf(p, o.runId, seededRng(p.seed)), signal: o.signal });
    const lastSubmit = Date.now();
    log.info({ submitted: load.submitted, seconds: Math.round(load.elapsedMs / 1000) }, "last call submitted; waiting for every result");
    await injector?.stop();
    await c.publishesSettled(p.resultWaitMs);
    const allResultsSeen = await c.waitForResults(Math.max(0, lastSubmit + p.resultWaitMs - Date.now()), o.signal);
    const resultsWaitMs = Date.now() - lastSubmit;
    const idle = await monitor.stop();
    monitor = undefined;
    log.info({ allResultsSeen, waitedMs: resultsWaitMs }, "auditing every call");
    const audit = await auditCalls(c, { executionLog, processFunction: SLEEP });
    return {
      kind: o.kind,
      audit,
      idle,
      timeline: timeline.entries,
      deaths,
      kills: injector?.kills ?? 0,
      onceSkipped: injector?.onceSkipped ?? 0,
      loadMs: load.elapsedMs,
      resultsWaitMs,
      allResultsSeen,
    };
  } finally {
    await monitor?.stop();
    await injector?.close();
    await client?.close();
    await Promise.allSettled([...reviving]);
    await system.stop();
  }
}
