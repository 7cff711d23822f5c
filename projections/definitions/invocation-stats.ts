import type { InvocationStats } from "../../domain/api/cluster.js";
import type { EventOf } from "../../domain/events/catalog.js";
import { subjects } from "../../domain/subjects.js";
import { streamNames } from "../../streams/catalog.js";
import type { Projection } from "../projection.js";

export const emptyInvocationStats: InvocationStats = { total: 0, byStatus: {}, totalMs: 0, averageMs: null };

const add = (s: InvocationStats, finished: EventOf<"InvocationFinished">["data"]): InvocationStats => {
  const total = s.total + 1;
  const totalMs = s.totalMs + finished.timings.totalMs;
  return { total, byStatus: { ...s.byStatus, [finished.status]: (s.byStatus[finished.status] ?? 0) + 1 }, totalMs, averageMs: totalMs / total };
};

export const TOTALS_KEY = "totals";
export const functionStatsKey = (name: string) => `function.${name}`;

/**
 * Final outcomes (InvocationFinished on the results stream) counted by status, in total and
 * per function, with the mean total latency. Results are kept for the result TTL, so a
 * rebuild counts the invocations of that window.
 */
export const invocationStats: Projection<InvocationStats> = {
  name: "invocation-stats",
  description: "invocations by outcome, in total and per function, with mean latency",
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
