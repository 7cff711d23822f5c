import { z } from "zod";
import { DeregisterNode, DrainNode, RegisterNode, UndrainNode, UpdateNode } from "../node/commands.js";
import { NodeDetail } from "../node/usage.js";
import { NodeState } from "../node/view.js";
import { NodeId, PoolId } from "../ids.js";
import { endpoint } from "./endpoint.js";
import { page, PageRequest, ReadAfter, Seq } from "./envelope.js";

/** A node, its latest usage and the pools it belongs to. */
export const NodeEntry = NodeDetail.extend({ pools: z.array(PoolId) });
export type NodeEntry = z.infer<typeof NodeEntry>;

const NodeChanged = z.object({ node: NodeEntry, seq: Seq });

export const nodesApi = {
  register: endpoint("nodes", "register", {
    kind: "command",
    description: "Register a node (a spearlet) with its capabilities and capacity; registering again with new facts updates it.",
    request: RegisterNode,
    result: NodeChanged,
  }),
  update: endpoint("nodes", "update", {
    kind: "command",
    description: "Change a node's name, capabilities or capacity.",
    request: UpdateNode,
    result: NodeChanged,
    errors: ["node_not_found", "node_deregistered"],
  }),
  drain: endpoint("nodes", "drain", {
    kind: "command",
    description: "Stop placing new work on a node; running work finishes.",
    request: DrainNode,
    result: NodeChanged,
    errors: ["node_not_found", "node_deregistered", "node_already_draining"],
  }),
  undrain: endpoint("nodes", "undrain", {
    kind: "command",
    description: "Let a drained node take new work again.",
    request: UndrainNode,
    result: NodeChanged,
    errors: ["node_not_found", "node_deregistered", "node_not_draining"],
  }),
  deregister: endpoint("nodes", "deregister", {
    kind: "command",
    description: "Remove a node from the cluster for good (it may register again later).",
    request: DeregisterNode,
    result: NodeChanged,
    errors: ["node_not_found", "node_deregistered"],
  }),
  get: endpoint("nodes", "get", {
    kind: "query",
    description: "One node with its state, latest usage and pools.",
    request: ReadAfter.extend({ nodeId: NodeId }),
    result: NodeEntry,
    errors: ["node_not_found"],
  }),
  list: endpoint("nodes", "list", {
    kind: "query",
    description: "Nodes by id, a page at a time; deregistered ones only when their state is asked for.",
    request: PageRequest.extend({ states: z.array(NodeState).min(1).optional() }),
    result: page(NodeEntry),
  }),
};
