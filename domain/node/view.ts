import { z } from "zod";
import type { RecordedEvent } from "../events/envelope.js";
import { NodeCapabilities, NodeCapacity } from "../events/node.js";
import { Instant, NodeId } from "../ids.js";

export const NodeState = z.enum(["online", "draining", "lost", "deregistered"]);
export type NodeState = z.infer<typeof NodeState>;

/**
 * One node as the control events describe it (the node registry's document). Usage from
 * status reports is kept apart in `NodeUsageView` (another stream); `withUsage` joins them.
 */
export const NodeView = z.object({
  id: NodeId,
  name: z.string(),
  capabilities: NodeCapabilities,
  capacity: NodeCapacity,
  /** deregistered, else lost, else draining, else online. */
  state: NodeState,
  draining: z.boolean(),
  lost: z.boolean(),
  drainReason: z.string().optional(),
  registeredAt: Instant,
  updatedAt: Instant,
  /** The last report liveness knew of at the node's last loss or recovery (null: none yet). */
  lastSeenAt: Instant.nullable(),
  lostAt: Instant.nullable(),
  deregisteredAt: Instant.nullable(),
  /** Stream sequence of the node's last control event: its aggregate version. */
  version: z.number().int().nonnegative(),
});
export type NodeView = z.infer<typeof NodeView>;

const stateOf = (v: Pick<NodeView, "deregisteredAt" | "lost" | "draining">): NodeState =>
  v.deregisteredAt !== null ? "deregistered" : v.lost ? "lost" : v.draining ? "draining" : "online";

const settle = (v: NodeView): NodeView => ({ ...v, state: stateOf(v) });

/**
 * Folds one control event of a node into its view; events of other aggregates and status
 * reports leave it as it is. Pure: the time of each change is the event's own.
 */
export function evolveNodeView(view: NodeView | undefined, event: RecordedEvent): NodeView | undefined {
  const at = event.meta.occurredAt;
  const version = event.position.seq;
  if (event.type === "NodeRegistered") {
    return settle({
      id: event.meta.aggregateId,
      name: event.data.name,
      capabilities: event.data.capabilities,
      capacity: event.data.capacity,
      state: "online",
      draining: false,
      lost: false,
      registeredAt: at,
      updatedAt: at,
      lastSeenAt: null,
      lostAt: null,
      deregisteredAt: null,
      version,
    });
  }
  if (!view) return view;
  switch (event.type) {
    case "NodeUpdated": {
      const { name, capabilities, capacity } = event.data;
      return settle({
        ...view,
        ...(name !== undefined ? { name } : {}),
        ...(capabilities !== undefined ? { capabilities } : {}),
        ...(capacity !== undefined ? { capacity } : {}),
        updatedAt: at,
        version,
      });
    }
    case "NodeDrained": {
      const { drainReason: _previous, ...rest } = view;
      return settle({ ...rest, draining: true, ...(event.data.reason ? { drainReason: event.data.reason } : {}), updatedAt: at, version });
    }
    case "NodeUndrained": {
      const { drainReason: _dropped, ...rest } = view;
      return settle({ ...rest, draining: false, updatedAt: at, version });
    }
    case "NodeDeregistered":
      return settle({ ...view, draining: false, lost: false, deregisteredAt: at, updatedAt: at, version });
    case "NodeLost":
      return settle({ ...view, lost: true, lostAt: at, lastSeenAt: event.data.lastSeenAt ?? view.lastSeenAt, updatedAt: at, version });
    case "NodeRecovered":
      return settle({ ...view, lost: false, lastSeenAt: event.data.seenAt, updatedAt: at, version });
    default:
      return view;
  }
}
