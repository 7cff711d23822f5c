import { z } from "zod";
import { api } from "../../../domain/api/registry.js";
import { ActivateVersion, DeleteFunction } from "../../../domain/function/commands.js";
import { PageQuery, QueryFlag, ReadAfterQuery } from "../query.js";
import { smsRoute, type GatewayRoute } from "../route.js";
import { deployRoute } from "./deploy.js";

const FunctionPath = DeleteFunction;

export const functionRoutes: readonly GatewayRoute[] = [
  smsRoute({
    method: "GET",
    path: "/v1/functions",
    endpoint: api.functions.list,
    params: z.object({}),
    query: PageQuery.extend({ includeDeleted: QueryFlag.optional().describe("Also list deleted functions") }),
  }),
  smsRoute({ method: "GET", path: "/v1/functions/{name}", endpoint: api.functions.get, params: FunctionPath, query: ReadAfterQuery }),
  smsRoute({ method: "GET", path: "/v1/functions/{name}/versions", endpoint: api.functions.versions, params: FunctionPath, query: PageQuery }),
  deployRoute,
  smsRoute({ method: "POST", path: "/v1/functions/{name}:activate", endpoint: api.functions.activate, params: FunctionPath, body: ActivateVersion.omit({ name: true }) }),
  smsRoute({ method: "POST", path: "/v1/functions/{name}:deactivate", endpoint: api.functions.deactivate, params: FunctionPath }),
  smsRoute({ method: "DELETE", path: "/v1/functions/{name}", endpoint: api.functions.delete, params: FunctionPath }),
];
