import type { InvocationStats } from "../../domain/api/cluster.js";
import type { EventOf } from "../../domain/events/catalog.js";
import { percentilesOf, withLatency, type LatencyHistogram } from "../../domain/invocation/latency.js";
import { subjects } from "../../domain/subjects.js";
import { streamNames } from "../../streams/catalog.js";
import type { Projection } from "../projection.js";

/** What the projection keeps per document: the counts, and histograms rather than percentiles (which do not fold). */
export interface InvocationStatsDoc extends Omit<InvocationStats, "percentiles"> {
  /** Absent in documents written before histograms were kept. */
  readonly latency?: { readonly queueMs?: LatencyHistogram; readonly runMs?: LatencyHistogram; readonly totalMs?: LatencyHistogram };
}

export const emptyInvocationStats: InvocationStatsDoc = { total: 0, byStatus: {}, totalMs: 0, averageMs: null, latency: {} };

const add = (s: InvocationStatsDoc, finished: EventOf<"InvocationFinished">["data"]): InvocationStatsDoc => {
  const total = s.total + 1;
  const t = finished.timings;
  const totalMs = s.totalMs + t.totalMs;
  const l = s.latency ?? {};
  return {
    total,
    byStatus: { ...s.byStatus, [finished.status]: (s.byStatus[finished.status] ?? 0) + 1 },
    totalMs,
    averageMs: totalMs / total,
    latency: {
      totalMs: withLatency(l.totalMs, t.totalMs),
      ...(t.queueMs !== undefined ? { queueMs: withLatency(l.queueMs, t.queueMs) } : l.queueMs ? { queueMs: l.queueMs } : {}),
      ...(t.runMs !== undefined ? { runMs: withLatency(l.runMs, t.runMs) } : l.runMs ? { runMs: l.runMs } : {}),
    },
  };
};

/** A document as the API shows it: the counts with the percentiles read from its histograms. */
export function invocationStatsOf(doc: InvocationStatsDoc | undefined): InvocationStats {
  const { latency, ...counts } = doc ?? emptyInvocationStats;
  return {
    ...counts,
    percentiles: { queueMs: percentilesOf(latency?.queueMs), runMs: percentilesOf(latency?.runMs), totalMs: percentilesOf(latency?.totalMs) },
  };
}

export const TOTALS_KEY = "totals";
const FUNCTION_PREFIX = "function.";
export const functionStatsKey = (name: string) => `${FUNCTION_PREFIX}${name}`;
/** The function a document is about; undefined for the totals. */
export const functionOfStatsKey = (key: string): string | undefined => (key.startsWith(FUNCTION_PREFIX) ? key.slice(FUNCTION_PREFIX.length) : undefined);

/**
 * Final outcomes (InvocationFinished on the results stream) counted by status, in total and
 * per function, with the mean total latency and latency histograms (queue, run, total).
 * Results are kept for the result TTL, so a rebuild counts the invocations of that window.
 */
export const invocationStats: Projection<InvocationStatsDoc> = {
  name: "invocation-stats",
  description: "invocations by outcome, in total and per function, with mean latency and latency histograms",
  stream: streamNames.results,
  subject: subjects.allResults,
  initialState: () => new Map([[TOTALS_KEY, emptyInvocationStats]]),
  evolve(docs, event) {
    if (event.type !== "InvocationFinished") return;
    docs.set(TOTALS_KEY, add(docs.get(TOTALS_KEY) ?? emptyInvocationStats, event.data));
    const key = functionStatsKey(event.data.function);
    docs.set(key, add(docs.get(key) ?? emptyInvocationStats, event.data));
  },
};
