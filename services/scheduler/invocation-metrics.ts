import type { InvocationFinished } from "../../domain/events/invocation.js";
import { bounded, metric } from "../metrics/registry.js";

/**
 * Counts an invocation's final result once, where it was recorded (each result is recorded by
 * one scheduler replica): its status and its timings, by function. A function the catalog does
 * not hold (a client's request for a name never deployed) is counted as `_unknown`, so a client
 * cannot grow the label set.
 */
export function countResult(result: InvocationFinished, known: (fn: string) => boolean): void {
  const fn = bounded(result.function, known, "_unknown");
  const { status, timings: t } = result;
  metric("spear_invocations_total").inc({ function: fn, status });
  metric("spear_invocation_duration_seconds").observe({ function: fn, status }, t.totalMs / 1000);
  if (t.queueMs !== undefined) metric("spear_invocation_queue_seconds").observe({ function: fn }, t.queueMs / 1000);
  if (t.runMs !== undefined) metric("spear_invocation_run_seconds").observe({ function: fn, status }, t.runMs / 1000);
}
