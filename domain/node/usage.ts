import { z } from "zod";
import type { RecordedEvent } from "../events/envelope.js";
import { InstanceSummary, ResourceUsage } from "../events/status.js";
import { Instant, NodeId } from "../ids.js";
import { NodeView } from "./view.js";

/**
 * What a node's latest status report says (the seeds' ResourceService): usage, instances
 * per function version, and when it was received. The last report in stream order wins.
 */
export const NodeUsageView = z.object({
  nodeId: NodeId,
  reportSeq: z.number().int().min(0),
  /** The spearlet's clock. */
  reportedAt: Instant,
  /** The server's clock when the report was stored: what liveness compares with. */
  receivedAt: Instant,
  usage: ResourceUsage,
  instances: z.array(InstanceSummary),
  /** The spearlet says it is shutting down gracefully. */
  draining: z.boolean(),
  /** Stream sequence of the report. */
  seq: z.number().int().nonnegative(),
});
export type NodeUsageView = z.infer<typeof NodeUsageView>;

export function evolveNodeUsage(prev: NodeUsageView | undefined, event: RecordedEvent): NodeUsageView | undefined {
  if (event.type !== "NodeStatusReported") return prev;
  return {
    nodeId: event.meta.aggregateId,
    reportSeq: event.data.reportSeq,
    reportedAt: event.data.at,
    receivedAt: event.position.time,
    usage: event.data.usage,
    instances: event.data.instances,
    draining: event.data.draining,
    seq: event.position.seq,
  };
}

/** A node with its latest usage: what `spear nodes get` shows. */
export const NodeDetail = NodeView.extend({
  usage: NodeUsageView.nullable(),
  /** Registration, latest report or last recovery, whichever is newest. */
  lastHeardAt: Instant,
});
export type NodeDetail = z.infer<typeof NodeDetail>;

/** When the node was last heard of: its registration, its latest report or its last recovery. */
export function lastHeardAt(node: NodeView, usage: NodeUsageView | undefined): string {
  let best = node.registeredAt;
  for (const t of [usage?.receivedAt, node.lastSeenAt]) if (t && Date.parse(t) > Date.parse(best)) best = t;
  return best;
}

export const withUsage = (node: NodeView, usage: NodeUsageView | undefined): NodeDetail => ({
  ...node,
  usage: usage ?? null,
  lastHeardAt: lastHeardAt(node, usage),
});
