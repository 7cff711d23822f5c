import type { ClusterStats, InvocationStats } from "../../domain/api/cluster.js";
import type { FunctionView } from "../../domain/function/view.js";
import type { NodeUsageView } from "../../domain/node/usage.js";
import type { NodeView } from "../../domain/node/view.js";
import { functionOfStatsKey, invocationStatsOf, type InvocationStatsDoc } from "./invocation-stats.js";

export interface ClusterStatsInput {
  /** node-registry documents. */
  readonly nodes: Iterable<NodeView>;
  /** node-usage documents, by node id. */
  readonly usage: { get(nodeId: string): NodeUsageView | undefined };
  /** function-catalog documents. */
  readonly functions: Iterable<FunctionView>;
  /** invocation-stats' documents, by key (`totals`, `function.<name>`). */
  readonly invocations: Iterable<readonly [string, InvocationStatsDoc]>;
  /** invocation-stats' `totals` document. */
  readonly totals: InvocationStatsDoc | undefined;
}

/**
 * Cluster stats are composed, not projected: a projection reads one stream, and these
 * figures come from three (control events, status reports, results). Each part is its own
 * projection (node-registry, node-usage, function-catalog, invocation-stats); this joins
 * their documents, whether they live in memory or in KV read models.
 */
export function composeClusterStats(input: ClusterStatsInput): ClusterStats {
  const nodes = { total: 0, online: 0, draining: 0, lost: 0, deregistered: 0 };
  const slots = { total: 0, running: 0 };
  const instances = { total: 0, ready: 0, busy: 0 };
  for (const n of input.nodes) {
    nodes.total++;
    nodes[n.state]++;
    if (n.state === "deregistered") continue;
    const usage = input.usage.get(n.id);
    if (n.state === "online" || n.state === "draining") {
      slots.total += n.capacity.slots;
      slots.running += usage?.usage.running ?? 0;
    }
    for (const i of usage?.instances ?? []) {
      instances.total += i.total;
      instances.ready += i.ready;
      instances.busy += i.busy;
    }
  }
  const functions = { total: 0, active: 0, deleted: 0 };
  for (const f of input.functions) {
    if (f.deleted) {
      functions.deleted++;
      continue;
    }
    functions.total++;
    if (f.activeVersion !== null) functions.active++;
  }
  const invocationsByFunction: Record<string, InvocationStats> = {};
  for (const [key, doc] of input.invocations) {
    const fn = functionOfStatsKey(key);
    if (fn !== undefined) invocationsByFunction[fn] = invocationStatsOf(doc);
  }
  return { nodes, slots, functions, instances, invocations: invocationStatsOf(input.totals), invocationsByFunction };
}
