import { z } from "zod";
import { InvocationStatus } from "../events/invocation.js";
import { endpoint } from "./endpoint.js";
import { ReadAfter } from "./envelope.js";

/** Final outcomes (InvocationFinished) counted, with the mean total latency. */
export const InvocationStats = z.object({
  total: z.number().int().nonnegative(),
  byStatus: z.partialRecord(InvocationStatus, z.number().int().nonnegative()),
  /** Sum of `timings.totalMs`, kept so the mean stays exact as results come in. */
  totalMs: z.number().nonnegative(),
  averageMs: z.number().nonnegative().nullable(),
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
});
export type ClusterStats = z.infer<typeof ClusterStats>;

export const clusterApi = {
  stats: endpoint("cluster", "stats", {
    kind: "query",
    description: "Counts of nodes by state, functions, instances, invocations by outcome and their mean latency.",
    request: ReadAfter,
    result: ClusterStats,
  }),
};
