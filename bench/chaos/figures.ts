import { ratio, round, type Figures, type Ratios } from "../support/scenario.js";
import type { PassKind, PassOutcome } from "./pass.js";

/** A pass's figures, named without the pass (`results.lost`, `latency.p50`, ...). */
export function passFigures(pass: PassOutcome): Figures {
  const a = pass.audit;
  const calls = (value: number) => ({ value, unit: "calls" });
  const f: Figures = {
    "calls.submitted": calls(a.submitted),
    "calls.acknowledged": calls(a.acknowledged),
    "calls.abandoned": calls(a.abandoned),
    "calls.stored_without_ack": calls(a.storedWithoutAck),
    "calls.resubmits": { value: a.resubmits, unit: "publishes" },
    "calls.duplicate_acks": { value: a.duplicateAcks, unit: "publishes" },
    "load.seconds": { value: round(pass.loadMs / 1000, 1), unit: "s" },
    "load.rate": { value: round((1000 * a.submitted) / pass.loadMs, 1), unit: "calls/s" },
    "results.recorded": calls(a.recorded),
    "results.lost": calls(a.lost.length),
    "results.double_records": calls(a.doubleRecords.length),
    "results.double_replies": calls(a.doubleReplies.length),
    "results.repeated_replies": calls(a.repeatedReplies),
    "results.without_reply": calls(a.withoutReply),
    "results.stray_replies": { value: a.strayReplies, unit: "replies" },
    "results.messages": { value: a.resultMessages, unit: "messages" },
    "results.succeeded_pct": { value: a.submitted === 0 ? 0 : round((100 * a.succeeded) / a.submitted, 2), unit: "%" },
    "results.wait": { value: round(pass.resultsWaitMs / 1000, 1), unit: "s" },
  };
  for (const [status, n] of Object.entries(a.statuses).sort()) f[`status.${status}`] = calls(n);
  for (const [runs, n] of Object.entries(a.executions)) f[`executions.${runs}`] = calls(n);
  f["executions.stray"] = { value: a.strayExecutions, unit: "executions" };
  Object.assign(f, a.latency.figures("latency"));
  for (const [fn, h] of [...a.latencyByFunction].sort(([x], [y]) => x.localeCompare(y))) Object.assign(f, h.figures(`latency.${fn}`));
  f.idle_with_work = { value: round(pass.idle.idleWithWorkS, 2), unit: "node-s" };
  for (const [node, s] of Object.entries(pass.idle.idleWithWorkByNode)) f[`idle_with_work.${node}`] = { value: round(s, 2), unit: "node-s" };
  f.idle_with_client_backlog = { value: round(pass.idle.idleWithClientBacklogS, 2), unit: "node-s" };
  f["idle.samples"] = { value: pass.idle.samples, unit: "samples" };
  f["idle.samples_with_waiting_work"] = { value: pass.idle.samplesWithWaitingWork, unit: "samples" };
  f["idle.max_outstanding"] = calls(pass.idle.maxOutstanding);
  f["idle.unanswered_health"] = { value: pass.idle.unanswered, unit: "requests" };
  f["processes.died_on_own"] = { value: pass.deaths.length, unit: "processes" };
  f["faults.kills"] = { value: pass.kills, unit: "kills" };
  f["faults.once_skipped"] = { value: pass.onceSkipped, unit: "faults" };
  Object.assign(f, spearletRecovery(pass));
  return f;
}

/** How soon a restarted spearlet answered healthy again, and how many were killed again before they did. */
function spearletRecovery(pass: PassOutcome): Figures {
  const spearlet = pass.timeline.filter((e) => e.part.startsWith("spearlet-"));
  const ready = spearlet
    .map((e) => e.readyAfterMs)
    .filter((ms) => ms !== undefined)
    .sort((a, b) => a - b);
  if (spearlet.length === 0) return {};
  const out: Figures = {
    "faults.spearlet_killed_before_healthy": { value: spearlet.filter((e) => e.what === "not ready again").length, unit: "restarts" },
  };
  if (ready.length > 0) {
    out["faults.spearlet_healthy_again.p50"] = { value: ready[Math.floor((ready.length - 1) / 2)]!, unit: "ms" };
    out["faults.spearlet_healthy_again.max"] = { value: ready.at(-1)!, unit: "ms" };
  }
  return out;
}

/** Every pass's figures under its name: `baseline.results.lost`, `chaos.latency.p99`, ... */
export function allFigures(passes: readonly PassOutcome[]): Figures {
  const out: Figures = {};
  for (const p of passes) for (const [k, v] of Object.entries(passFigures(p))) out[`${p.kind}.${k}`] = v;
  return out;
}

/** With faults over fault-free, from the figures of the same run. */
export function chaosRatios(figures: Figures): Ratios {
  const out: Ratios = {};
  for (const q of ["p50", "p90", "p99", "max"]) {
    const base = figures[`baseline.latency.${q}`];
    const chaos = figures[`chaos.latency.${q}`];
    if (base && chaos) out[`latency.${q}.with_faults_over_fault_free`] = ratio(chaos, base);
  }
  return out;
}

export interface TargetResult {
  readonly target: string;
  /** The figure it reads, without the pass. */
  readonly figure: string;
  readonly limit: string;
  /** Per pass: the value, and whether it met the target (absent: not applicable to that pass). */
  readonly values: Partial<Record<PassKind, number>>;
  readonly met: Partial<Record<PassKind, boolean>>;
}

interface Target {
  readonly target: string;
  readonly figure: string;
  readonly limit: (f: Figures) => string;
  /** undefined: the target does not apply to this pass. */
  readonly check: (value: number, kind: PassKind, f: Figures) => boolean | undefined;
}

const baselineP50 = (f: Figures) => f["baseline.latency.p50"]?.value;

const TARGETS: readonly Target[] = [
  { target: "nothing lost", figure: "results.lost", limit: () => "0", check: (v) => v === 0 },
  { target: "no call recorded twice", figure: "results.double_records", limit: () => "0", check: (v) => v === 0 },
  { target: "no two different replies", figure: "results.double_replies", limit: () => "0", check: (v) => v === 0 },
  { target: "calls succeeded", figure: "results.succeeded_pct", limit: () => "≥ 99.5 %", check: (v) => v >= 99.5 },
  { target: "no process died on its own", figure: "processes.died_on_own", limit: () => "0", check: (v) => v === 0 },
  {
    target: "median latency",
    figure: "latency.p50",
    limit: (f) => {
      const b = baselineP50(f);
      return b === undefined ? "≤ 2 × fault-free + 1 s (no fault-free pass)" : `≤ 2 × fault-free + 1 s = ${round(2 * b + 1000, 1)} ms`;
    },
    check: (v, kind, f) => {
      const b = baselineP50(f);
      return kind === "chaos" && b !== undefined ? v <= 2 * b + 1000 : undefined;
    },
  },
  { target: "p99 latency", figure: "latency.p99", limit: () => "≤ 10,000 ms", check: (v) => v <= 10_000 },
  { target: "idle node with work waiting", figure: "idle_with_work", limit: () => "< 2 node-s", check: (v) => v < 2 },
];

export function evaluateTargets(figures: Figures, kinds: readonly PassKind[]): TargetResult[] {
  return TARGETS.map((t) => {
    const values: Partial<Record<PassKind, number>> = {};
    const met: Partial<Record<PassKind, boolean>> = {};
    for (const kind of kinds) {
      const fig = figures[`${kind}.${t.figure}`];
      if (!fig) continue;
      values[kind] = fig.value;
      const ok = t.check(fig.value, kind, figures);
      if (ok !== undefined) met[kind] = ok;
    }
    return { target: t.target, figure: t.figure, limit: t.limit(figures), values, met };
  });
}

export const targetsMissed = (targets: readonly TargetResult[]): TargetResult[] => targets.filter((t) => Object.values(t.met).includes(false));
