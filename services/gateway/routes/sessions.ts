import { z } from "zod";
import { api } from "../../../domain/api/registry.js";
import { SessionId } from "../../../domain/ids.js";
import { ReadAfterQuery } from "../query.js";
import { smsRoute, type ApiRoute } from "../route.js";

const SessionPath = z.object({ sessionId: SessionId });

export const sessionRoutes: readonly ApiRoute[] = [
  smsRoute({ method: "GET", path: "/v1/sessions/{sessionId}", scope: "read", endpoint: api.sessions.get, params: SessionPath, query: ReadAfterQuery }),
  smsRoute({ method: "POST", path: "/v1/sessions/{sessionId}:end", scope: "invoke", endpoint: api.sessions.end, params: SessionPath }),
];
