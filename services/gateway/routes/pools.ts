import { z } from "zod";
import { api } from "../../../domain/api/registry.js";
import { PoolId } from "../../../domain/ids.js";
import { PoolsDocument } from "../../../domain/pool/commands.js";
import { PageQuery, ReadAfterQuery } from "../query.js";
import { smsRoute, type ApiRoute } from "../route.js";

export const poolRoutes: readonly ApiRoute[] = [
  smsRoute({ method: "GET", path: "/v1/pools", scope: "read", endpoint: api.pools.list, params: z.object({}), query: PageQuery }),
  smsRoute({ method: "GET", path: "/v1/pools/{poolId}", scope: "read", endpoint: api.pools.get, params: z.object({ poolId: PoolId }), query: ReadAfterQuery }),
  smsRoute({ method: "POST", path: "/v1/pools:apply", scope: "admin", endpoint: api.pools.apply, params: z.object({}), body: PoolsDocument }),
];
