import { z } from "zod";
import { InvocationStatus } from "../events/invocation.js";
import { FunctionName } from "../ids.js";
import { Percentiles } from "../invocation/latency.js";
import { endpoint } from "./endpoint.js";
import { ReadAfter } from "./envelope.js";

/**
 * Latency percentiles of the results counted, in ms: `queueMs` (submitted to started), `runMs`
 * (started to finished) and `totalMs` (submitted to finished). Null when no result had that
 * timing (rejected and dead-lettered ones have no queue or run time). Each is read from a
 * histogram with four buckets per doubling: at most 19 % above the true value.
 */
export const LatencyPercentiles = z.object({ queueMs: Percentiles.nullable(), runMs: Percentiles.nullable(), totalMs: Percentiles.nullable() });
export type LatencyPercentiles = z.infer<typeof LatencyPercentiles>;

/** Final outcomes (InvocationFinished) counted, with the mean total latency and the latency percentiles. */
export const InvocationStats = z.object({
  total: z.number().int().nonnegative(),
  byStatus: z.partialRecord(InvocationStatus, z.number().int().nonnegative()),
  /** Sum of `timings.totalMs`, kept so the mean stays exact as results come in. */
  totalMs: z.number().nonnegative(),
  averageMs: z.number().nonnegative().nullable(),
  percentiles: LatencyPercentiles,
});
export type InvocationStats = z.infer<typeof InvocationStats>;

export const ClusterStats = z.object({
  nodes: z.object({
    total: z.number().int().nonnegative(),
    online: z.number().int().nonnegative(),
    draining: z.number().int().nonnegative(),
    lost: z.number().int().nonnegative(),
    deregistered: z.number().int().nonnegative(),
  }),
  /** Registered slots of online and draining nodes, and what their latest reports say runs. */
  slots: z.object({ total: z.number().int().nonnegative(), running: z.number().int().nonnegative() }),
  functions: z.object({
    total: z.number().int().nonnegative(),
    active: z.number().int().nonnegative(),
    deleted: z.number().int().nonnegative(),
  }),
  /** From the latest report of every node that is not deregistered. */
  instances: z.object({
    total: z.number().int().nonnegative(),
    ready: z.number().int().nonnegative(),
    busy: z.number().int().nonnegative(),
  }),
  invocations: InvocationStats,
  /** The same per function, for every function with a result within the result TTL. */
  invocationsByFunction: z.record(FunctionName, InvocationStats),
});
export type ClusterStats = z.infer<typeof ClusterStats>;

export const clusterApi = {
  stats: endpoint("cluster", "stats", {
    kind: "query",
    description: "Counts of nodes by state, functions, instances, invocations by outcome with their mean latency and p50/p95/p99 of queue, run and total time, in total and per function.",
    request: ReadAfter,
    result: ClusterStats,
  }),
};
