import type { Decider } from "../decider.js";
import { SpearError } from "../errors.js";
import type { AggregateEvent, EventData } from "../events/catalog.js";
import type { NodeCapabilities, NodeCapacity } from "../events/node.js";
import { sameJson } from "../api/canonical-json.js";
import type { NodeCommand } from "./commands.js";

type NodeEvent = AggregateEvent<"node">;

export interface NodeDeciderState {
  readonly status: "unregistered" | "registered" | "deregistered";
  readonly name?: string;
  readonly capabilities?: NodeCapabilities;
  readonly capacity?: NodeCapacity;
  readonly draining: boolean;
  readonly lost: boolean;
  /** The last report liveness knew of when it declared the node lost (null: it never reported). */
  readonly lostLastSeenAt: string | null;
}

const initialState = (): NodeDeciderState => ({ status: "unregistered", draining: false, lost: false, lostLastSeenAt: null });

function evolve(state: NodeDeciderState, event: NodeEvent): NodeDeciderState {
  switch (event.type) {
    case "NodeRegistered":
      return { ...initialState(), status: "registered", ...event.data };
    case "NodeUpdated":
      return { ...state, ...definedOnly(event.data) };
    case "NodeDrained":
      return { ...state, draining: true };
    case "NodeUndrained":
      return { ...state, draining: false };
    case "NodeDeregistered":
      return { ...state, status: "deregistered", draining: false, lost: false, lostLastSeenAt: null };
    case "NodeLost":
      return { ...state, lost: true, lostLastSeenAt: event.data.lastSeenAt };
    case "NodeRecovered":
      return { ...state, lost: false, lostLastSeenAt: null };
    default:
      return state;
  }
}

const definedOnly = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** What an update or a repeated registration changes; empty when it changes nothing. */
function changes(state: NodeDeciderState, next: { name?: string; capabilities?: NodeCapabilities; capacity?: NodeCapacity }) {
  const out: EventData<"NodeUpdated"> = {};
  if (next.name !== undefined && next.name !== state.name) out.name = next.name;
  if (next.capabilities !== undefined && !sameJson(next.capabilities, state.capabilities)) out.capabilities = next.capabilities;
  if (next.capacity !== undefined && !sameJson(next.capacity, state.capacity)) out.capacity = next.capacity;
  return out;
}

function requireLive(state: NodeDeciderState, nodeId: string): void {
  if (state.status === "unregistered") throw new SpearError("node_not_found", `no node '${nodeId}' is registered`, { nodeId });
  if (state.status === "deregistered") throw new SpearError("node_deregistered", `node '${nodeId}' was deregistered`, { nodeId });
}

function decide(command: NodeCommand, state: NodeDeciderState): NodeEvent[] {
  switch (command.type) {
    case "RegisterNode": {
      const { name, capabilities, capacity } = command;
      if (state.status !== "registered") return [{ type: "NodeRegistered", data: { name, capabilities, capacity } }];
      const diff = changes(state, { name, capabilities, capacity });
      return Object.keys(diff).length > 0 ? [{ type: "NodeUpdated", data: diff }] : [];
    }
    case "UpdateNode": {
      requireLive(state, command.nodeId);
      const diff = changes(state, command);
      return Object.keys(diff).length > 0 ? [{ type: "NodeUpdated", data: diff }] : [];
    }
    case "DrainNode":
      requireLive(state, command.nodeId);
      if (state.draining) throw new SpearError("node_already_draining", `node '${command.nodeId}' is draining already`, { nodeId: command.nodeId });
      return [{ type: "NodeDrained", data: command.reason === undefined ? {} : { reason: command.reason } }];
    case "UndrainNode":
      requireLive(state, command.nodeId);
      if (!state.draining) throw new SpearError("node_not_draining", `node '${command.nodeId}' is not draining`, { nodeId: command.nodeId });
      return [{ type: "NodeUndrained", data: {} }];
    case "DeregisterNode":
      requireLive(state, command.nodeId);
      return [{ type: "NodeDeregistered", data: command.reason === undefined ? {} : { reason: command.reason } }];
    case "MarkNodeLost":
      // Liveness verdicts never fail: a replica that lost the race re-decides to nothing.
      if (state.status !== "registered" || state.lost) return [];
      return [{ type: "NodeLost", data: { lastSeenAt: command.lastSeenAt, timeoutMs: command.timeoutMs } }];
    case "MarkNodeRecovered": {
      if (state.status !== "registered" || !state.lost) return [];
      const newer = state.lostLastSeenAt === null || Date.parse(command.seenAt) > Date.parse(state.lostLastSeenAt);
      return newer ? [{ type: "NodeRecovered", data: { seenAt: command.seenAt } }] : [];
    }
  }
}

/**
 * A node's lifecycle: registered → (draining ⇄ online) → deregistered, with lost/recovered
 * decided by liveness on top of either. Operator commands on a node in the wrong state are
 * refused with a typed error; liveness verdicts are idempotent.
 */
export const nodeDecider: Decider<NodeCommand, NodeDeciderState, NodeEvent> = { initialState, evolve, decide };
