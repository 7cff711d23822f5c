import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Logger } from "pino";
import { describeMachine, packageVersions, type Machine } from "../support/machine.js";
import type { Figures, Ratios } from "../support/scenario.js";
import { allFigures, chaosRatios, evaluateTargets, type TargetResult } from "./figures.js";
import { passLimitMs, type ChaosParams } from "./params.js";
import { runPass, type PassKind, type PassOutcome } from "./pass.js";
import type { UnexpectedExit } from "./supervised-service.js";
import type { TimelineEntry } from "./timeline.js";

/** What a pass leaves in the result file besides its figures. */
export interface PassRecord {
  readonly timeline: readonly TimelineEntry[];
  readonly diedOnOwn: readonly UnexpectedExit[];
  /** The first ids of each anomaly (lost, recorded twice, run twice, ...), to look up with `spear replay --invocation`. */
  readonly evidence: Readonly<Record<string, readonly string[]>>;
  /** Node-seconds of idle-with-work per second of the pass, to set beside its timeline. */
  readonly idleBySecond: Readonly<Record<string, number>>;
}

/** bench/results/chaos.json: the bench result format, plus targets and what each pass went through. */
export interface ChaosResult {
  readonly scenario: "chaos";
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: Machine;
  readonly versions: Record<string, string>;
  readonly parameters: Record<string, unknown>;
  readonly figures: Figures;
  readonly ratios: Ratios;
  readonly targets: readonly TargetResult[];
  readonly passes: Partial<Record<PassKind, PassRecord>>;
}

export interface ChaosRunOptions {
  readonly params: ChaosParams;
  /** Run the same load fault-free first, on servers and processes of its own. */
  readonly baseline: boolean;
  /** Each pass works in a folder of its own under this one (servers' data, logs, the execution log). */
  readonly workDir: string;
  readonly log: Logger;
  readonly signal: AbortSignal;
}

/** Runs one pass within its time limit; a pass that overruns is stopped (and cleaned up) and fails. */
async function limitedPass(kind: PassKind, o: ChaosRunOptions): Promise<PassOutcome> {
  const limit = passLimitMs(o.params);
  const abort = new AbortController();
  const stop = () => abort.abort();
  o.signal.addEventListener("abort", stop, { once: true });
  const timer = setTimeout(stop, limit);
  try {
    const runId = `${randomBytes(4).toString("hex")}${kind[0]}`;
    const outcome = await runPass({ kind, params: o.params, dir: join(o.workDir, kind), runId, log: o.log.child({ pass: kind }), signal: abort.signal });
    if (abort.signal.aborted) throw new Error(o.signal.aborted ? `the ${kind} pass was interrupted` : `the ${kind} pass did not finish within ${limit / 1000} s`);
    return outcome;
  } finally {
    clearTimeout(timer);
    o.signal.removeEventListener("abort", stop);
  }
}

/** The fault-free pass (unless left out), then the pass with faults; figures, ratios and targets from both. */
export async function runChaos(o: ChaosRunOptions): Promise<ChaosResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const machine = describeMachine();
  const kinds: PassKind[] = o.baseline ? ["baseline", "chaos"] : ["chaos"];
  const passes: PassOutcome[] = [];
  for (const kind of kinds) passes.push(await limitedPass(kind, o));
  const figures = allFigures(passes);
  return {
    scenario: "chaos",
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    machine,
    versions: packageVersions(),
    parameters: { ...o.params, baseline: o.baseline },
    figures,
    ratios: chaosRatios(figures),
    targets: evaluateTargets(figures, kinds),
    passes: Object.fromEntries(passes.map((p) => [p.kind, { timeline: p.timeline, diedOnOwn: p.deaths, evidence: p.audit.evidence, idleBySecond: p.idle.idleWithWorkBySecond }])),
  };
}
