import type { NodeEntry, nodesApi } from "../../../domain/api/nodes.js";
import { SpearError } from "../../../domain/errors.js";
import type { NodeCommand } from "../../../domain/node/commands.js";
import { nodeDecider } from "../../../domain/node/decider.js";
import { withUsage } from "../../../domain/node/usage.js";
import { readPoolIndex } from "../../../domain/pool/index-read.js";
import { execute, type SmsContext } from "../context.js";
import { paginate } from "../../api/paging.js";
import type { AreaHandlers, RequestContext } from "../../api/router.js";

export function nodeEntry(sms: SmsContext, nodeId: string): NodeEntry {
  const view = sms.models.nodes.state.get(nodeId);
  if (!view) throw new SpearError("node_not_found", `no node '${nodeId}' is registered`, { nodeId });
  return { ...withUsage(view, sms.models.usage.state.get(nodeId)), pools: [...readPoolIndex(sms.models.pools.state).poolsOfNode(nodeId)] };
}

export function nodesHandlers(sms: SmsContext): AreaHandlers<typeof nodesApi> {
  const run = async (command: NodeCommand, ctx: RequestContext) => {
    const r = await execute(sms, { type: "node", id: command.nodeId }, nodeDecider, command, ctx);
    return { node: nodeEntry(sms, command.nodeId), seq: r.version };
  };
  // An entry joins the node registry and the pool index: both must have folded minSeq.
  const readAfter = (minSeq: number | undefined) =>
    Promise.all([sms.models.readAfter(sms.models.nodes, minSeq), sms.models.readAfter(sms.models.pools, minSeq)]);
  return {
    register: (req, ctx) => run({ type: "RegisterNode", ...req }, ctx),
    update: (req, ctx) => run({ type: "UpdateNode", ...req }, ctx),
    drain: (req, ctx) => run({ type: "DrainNode", ...req }, ctx),
    undrain: (req, ctx) => run({ type: "UndrainNode", ...req }, ctx),
    deregister: (req, ctx) => run({ type: "DeregisterNode", ...req }, ctx),
    async get(req) {
      await readAfter(req.minSeq);
      return nodeEntry(sms, req.nodeId);
    },
    async list(req) {
      await readAfter(req.minSeq);
      const states = new Set(req.states ?? ["online", "draining", "lost"]);
      const views = [...sms.models.nodes.state.values()].filter((n) => states.has(n.state));
      const page = paginate(views, (n) => n.id, req);
      return { ...page, items: page.items.map((n) => nodeEntry(sms, n.id)) };
    },
  };
}
