import { z } from "zod";
import { api } from "../../../domain/api/registry.js";
import { ActivateVersion, DeleteFunction } from "../../../domain/function/commands.js";
import { PageQuery, QueryFlag, ReadAfterQuery } from "../query.js";
import { smsRoute, type ApiRoute } from "../route.js";
import { deployRoute } from "./deploy.js";

const FunctionPath = DeleteFunction;

export const functionRoutes: readonly ApiRoute[] = [
  smsRoute({
    method: "GET",
    path: "/v1/functions",
    scope: "read",
    endpoint: api.functions.list,
    params: z.object({}),
    query: PageQuery.extend({ includeDeleted: QueryFlag.optional().describe("Also list deleted functions") }),
  }),
  smsRoute({ method: "GET", path: "/v1/functions/{name}", scope: "read", endpoint: api.functions.get, params: FunctionPath, query: ReadAfterQuery }),
  smsRoute({ method: "GET", path: "/v1/functions/{name}/versions", scope: "read", endpoint: api.functions.versions, params: FunctionPath, query: PageQuery }),
  deployRoute,
  smsRoute({ method: "POST", path: "/v1/functions/{name}:activate", scope: "deploy", endpoint: api.functions.activate, params: FunctionPath, body: ActivateVersion.omit({ name: true }) }),
  smsRoute({ method: "POST", path: "/v1/functions/{name}:deactivate", scope: "deploy", endpoint: api.functions.deactivate, params: FunctionPath }),
  smsRoute({ method: "DELETE", path: "/v1/functions/{name}", scope: "deploy", endpoint: api.functions.delete, params: FunctionPath }),
];
