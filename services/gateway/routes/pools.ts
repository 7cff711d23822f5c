import { z } from "zod";
import { api } from "../../../domain/api/registry.js";
import { PoolId } from "../../../domain/ids.js";
import { PoolsDocument } from "../../../domain/pool/commands.js";
import { PageQuery, ReadAfterQuery } from "../query.js";
import { smsRoute, type GatewayRoute } from "../route.js";

export const poolRoutes: readonly GatewayRoute[] = [
  smsRoute({ method: "GET", path: "/v1/pools", endpoint: api.pools.list, params: z.object({}), query: PageQuery }),
  smsRoute({ method: "GET", path: "/v1/pools/{poolId}", endpoint: api.pools.get, params: z.object({ poolId: PoolId }), query: ReadAfterQuery }),
  smsRoute({ method: "POST", path: "/v1/pools:apply", endpoint: api.pools.apply, params: z.object({}), body: PoolsDocument }),
];
