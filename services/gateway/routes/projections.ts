import { z } from "zod";
import { api } from "../../../domain/api/registry.js";
import { smsRoute, type ApiRoute } from "../route.js";

export const projectionRoutes: readonly ApiRoute[] = [
  smsRoute({ method: "GET", path: "/v1/cluster/projections", scope: "read", endpoint: api.projections.status, params: z.object({}) }),
];
