import { performance } from "node:perf_hooks";
import { LatencyHistogram, type LatencySummary } from "./histogram.js";
import { round, type Figures } from "./scenario.js";

/** One call of the system under test; it resolves when the call's final answer arrived. */
export type Call = () => Promise<unknown>;

export interface LoopResult {
  readonly histogram: LatencyHistogram;
  readonly completed: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly elapsedMs: number;
  /** Completed calls per second over the loop. */
  readonly throughput: number;
}

const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * Closed loop: `clients` callers, each starting its next call when the previous answered, until
 * `maxCalls` calls were made or `maxMs` passed. Latency is each call's own time.
 */
export async function closedLoop(o: { clients: number; maxCalls: number; maxMs: number; call: Call; signal: AbortSignal }): Promise<LoopResult> {
  const histogram = new LatencyHistogram();
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + o.maxMs;
  const client = async () => {
    while (issued < o.maxCalls && performance.now() < deadline && !o.signal.aborted) {
      issued++;
      const t0 = performance.now();
      try {
        await o.call();
        histogram.recordMs(performance.now() - t0);
      } catch (e) {
        errors++;
        firstError ??= describe(e);
      }
    }
  };
  await Promise.all(Array.from({ length: o.clients }, client));
  const elapsedMs = performance.now() - started;
  return { histogram, completed: histogram.count, errors, ...(firstError ? { firstError } : {}), elapsedMs, throughput: (1000 * histogram.count) / elapsedMs };
}

export interface OpenLoopStep extends LoopResult {
  readonly rate: number;
  readonly issued: number;
  /** Calls still unanswered when the drain time ran out. */
  readonly unfinished: number;
  readonly passed: boolean;
  readonly summary: LatencySummary;
}

/**
 * Open loop: calls start on a fixed schedule (`rate` per second for `durationMs`) whether or
 * not earlier ones answered. Latency counts from each call's scheduled start, so a system that
 * falls behind is charged for the wait (no coordinated omission). Calls still unanswered
 * `drainMs` after the last start count as unfinished.
 */
export async function openLoop(o: { rate: number; durationMs: number; drainMs: number; maxInFlight: number; call: Call; signal: AbortSignal }): Promise<Omit<OpenLoopStep, "passed">> {
  const histogram = new LatencyHistogram();
  const interval = 1000 / o.rate;
  const total = Math.max(1, Math.round((o.rate * o.durationMs) / 1000));
  let issued = 0;
  let inFlight = 0;
  let errors = 0;
  let firstError: string | undefined;
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  const fire = (scheduled: number) => {
    inFlight++;
    const p = o.call().then(
      () => histogram.recordMs(performance.now() - scheduled),
      (e: unknown) => {
        errors++;
        firstError ??= describe(e);
      },
    );
    const tracked: Promise<void> = p.finally(() => {
      inFlight--;
      pending.delete(tracked);
    });
    pending.add(tracked);
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (issued < total && started + issued * interval <= now) {
        if (inFlight >= o.maxInFlight || o.signal.aborted) return resolve();
        fire(started + issued * interval);
        issued++;
      }
      if (issued >= total) return resolve();
      setTimeout(tick, Math.max(0, Math.min(5, started + issued * interval - now)));
    };
    tick();
  });
  const sentAt = performance.now();
  if (pending.size > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...pending]), new Promise((r) => (timer = setTimeout(r, o.drainMs)))]);
    clearTimeout(timer);
  }
  const elapsedMs = Math.max(o.durationMs, sentAt - started);
  return {
    rate: o.rate,
    histogram,
    issued,
    completed: histogram.count,
    errors,
    ...(firstError ? { firstError } : {}),
    unfinished: pending.size,
    elapsedMs,
    throughput: (1000 * histogram.count) / elapsedMs,
    summary: histogram.summary(),
  };
}

export interface RateSearch {
  readonly steps: readonly OpenLoopStep[];
  /** The highest throughput of a step that kept every call answered with p99 under the target. */
  readonly sustained: number;
  readonly sustainedStep?: OpenLoopStep;
}

/**
 * Open-loop steps at rising rates (× `factor`) until one misses the target (p99 above
 * `p99TargetMs`, a call failing or left unanswered, or too many in flight) or `maxRate` is
 * reached; then `refineSteps` bisections between the last rate that held and the first that
 * did not.
 */
export async function searchSustainedRate(o: {
  startRate: number;
  factor: number;
  refineSteps: number;
  maxRate: number;
  stepMs: number;
  drainMs: number;
  maxInFlight: number;
  p99TargetMs: number;
  call: Call;
  signal: AbortSignal;
  onStep?: (s: OpenLoopStep) => void;
}): Promise<RateSearch> {
  const steps: OpenLoopStep[] = [];
  const run = async (rate: number) => {
    const r = await openLoop({ rate, durationMs: o.stepMs, drainMs: o.drainMs, maxInFlight: o.maxInFlight, call: o.call, signal: o.signal });
    const passed = r.errors === 0 && r.unfinished === 0 && r.issued === Math.round((rate * o.stepMs) / 1000) && r.summary.p99 <= o.p99TargetMs;
    const step = { ...r, passed };
    steps.push(step);
    o.onStep?.(step);
    return step;
  };
  let lastPass: OpenLoopStep | undefined;
  let firstFail: OpenLoopStep | undefined;
  for (let rate = o.startRate; rate <= o.maxRate && !o.signal.aborted; rate = Math.round(rate * o.factor)) {
    const step = await run(rate);
    if (!step.passed) {
      firstFail = step;
      break;
    }
    lastPass = step;
  }
  for (let i = 0; i < o.refineSteps && lastPass && firstFail && !o.signal.aborted; i++) {
    const between = Math.round(Math.sqrt(lastPass.rate * firstFail.rate));
    if (between <= lastPass.rate || between >= firstFail.rate) break;
    const step = await run(between);
    if (step.passed) lastPass = step;
    else firstFail = step;
  }
  const best = steps.filter((s) => s.passed).sort((a, b) => b.throughput - a.throughput)[0];
  return { steps, sustained: best?.throughput ?? 0, ...(best ? { sustainedStep: best } : {}) };
}

/** The figures of a rate search under `prefix`: the sustained rate, and each step's throughput and p99. */
export function rateFigures(prefix: string, r: RateSearch): Figures {
  const out: Figures = { [`${prefix}.sustained`]: { value: round(r.sustained, 1), unit: "calls/s" } };
  if (r.sustainedStep) out[`${prefix}.sustained.p99`] = { value: round(r.sustainedStep.summary.p99), unit: "ms" };
  for (const s of r.steps) {
    out[`${prefix}.step.${s.rate}.throughput`] = { value: round(s.throughput, 1), unit: "calls/s" };
    out[`${prefix}.step.${s.rate}.p99`] = { value: round(s.summary.p99), unit: "ms" };
  }
  return out;
}
