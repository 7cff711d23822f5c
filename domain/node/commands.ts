import { z } from "zod";
import { NodeCapabilities, NodeCapacity } from "../events/node.js";
import { Instant, NodeId } from "../ids.js";

/*
 * Command bodies are zod schemas (the API validates requests with them); a command is its
 * body plus the literal `type` the decider switches on.
 */

const Reason = z.string().max(256).optional();

/**
 * A spearlet announcing itself. Registering again is declarative: the same facts change
 * nothing, new facts become a `NodeUpdated`, and a deregistered node starts a new life.
 */
export const RegisterNode = z.object({
  nodeId: NodeId,
  name: z.string().min(1).max(128),
  capabilities: NodeCapabilities,
  capacity: NodeCapacity,
});

export const UpdateNode = z
  .object({
    nodeId: NodeId,
    name: z.string().min(1).max(128).optional(),
    capabilities: NodeCapabilities.optional(),
    capacity: NodeCapacity.optional(),
  })
  .refine((u) => u.name !== undefined || u.capabilities !== undefined || u.capacity !== undefined, "an update must give a name, capabilities or capacity");

export const DrainNode = z.object({ nodeId: NodeId, reason: Reason });
export const UndrainNode = z.object({ nodeId: NodeId });
export const DeregisterNode = z.object({ nodeId: NodeId, reason: Reason });

/** Liveness's verdicts; idempotent so that any number of SMS replicas may issue them. */
export const MarkNodeLost = z.object({ nodeId: NodeId, lastSeenAt: Instant.nullable(), timeoutMs: z.number().int().positive() });
export const MarkNodeRecovered = z.object({ nodeId: NodeId, seenAt: Instant });

type Cmd<T extends string, S extends z.ZodType> = { readonly type: T } & z.output<S>;
export type RegisterNodeCommand = Cmd<"RegisterNode", typeof RegisterNode>;
export type UpdateNodeCommand = Cmd<"UpdateNode", typeof UpdateNode>;
export type DrainNodeCommand = Cmd<"DrainNode", typeof DrainNode>;
export type UndrainNodeCommand = Cmd<"UndrainNode", typeof UndrainNode>;
export type DeregisterNodeCommand = Cmd<"DeregisterNode", typeof DeregisterNode>;
export type MarkNodeLostCommand = Cmd<"MarkNodeLost", typeof MarkNodeLost>;
export type MarkNodeRecoveredCommand = Cmd<"MarkNodeRecovered", typeof MarkNodeRecovered>;

export type NodeCommand =
  | RegisterNodeCommand
  | UpdateNodeCommand
  | DrainNodeCommand
  | UndrainNodeCommand
  | DeregisterNodeCommand
  | MarkNodeLostCommand
  | MarkNodeRecoveredCommand;
