import { z } from "zod";
import { api } from "../../../domain/api/registry.js";
import { DeregisterNode, DrainNode } from "../../../domain/node/commands.js";
import { NodeState } from "../../../domain/node/view.js";
import { commaList, PageQuery, ReadAfterQuery } from "../query.js";
import { smsRoute, type ApiRoute } from "../route.js";

const NodePath = z.object({ nodeId: DrainNode.shape.nodeId });

export const nodeRoutes: readonly ApiRoute[] = [
  smsRoute({
    method: "GET",
    path: "/v1/nodes",
    scope: "read",
    endpoint: api.nodes.list,
    params: z.object({}),
    query: PageQuery.extend({ state: commaList(NodeState).optional().describe("Only nodes in these states, comma-separated (deregistered ones appear only when asked for)") }),
    request: ({ query: { state, ...page } }) => ({ ...page, ...(state ? { states: state } : {}) }),
  }),
  smsRoute({ method: "GET", path: "/v1/nodes/{nodeId}", scope: "read", endpoint: api.nodes.get, params: NodePath, query: ReadAfterQuery }),
  smsRoute({ method: "POST", path: "/v1/nodes/{nodeId}:drain", scope: "admin", endpoint: api.nodes.drain, params: NodePath, body: DrainNode.omit({ nodeId: true }).nullish() }),
  smsRoute({ method: "POST", path: "/v1/nodes/{nodeId}:undrain", scope: "admin", endpoint: api.nodes.undrain, params: NodePath }),
  smsRoute({ method: "DELETE", path: "/v1/nodes/{nodeId}", scope: "admin", endpoint: api.nodes.deregister, params: NodePath, query: DeregisterNode.pick({ reason: true }) }),
];
