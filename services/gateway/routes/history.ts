import { z } from "zod";
import { RedriveRequest } from "../../../domain/api/dlq.js";
import { api } from "../../../domain/api/registry.js";
import { InvocationStatus } from "../../../domain/events/invocation.js";
import { FunctionName, Instant, InvocationId } from "../../../domain/ids.js";
import { ReadAfterQuery } from "../query.js";
import { smsRoute, type ApiRoute } from "../route.js";

const limit = (max: number) => z.coerce.number().int().min(1).max(max).optional().describe(`Items per page (1-${max}, default 100)`);
const cursor = z.string().regex(/^\d{1,16}$/).optional().describe("The `nextCursor` of the page before");

/** The invocations' history, their stories, cluster figures and the dead letters: what the console shows. */
export const historyRoutes: readonly ApiRoute[] = [
  smsRoute({
    method: "GET",
    path: "/v1/invocations",
    scope: "admin",
    endpoint: api.invocations.list,
    params: z.object({}),
    query: z.object({
      function: FunctionName.optional().describe("Only this function's results"),
      status: InvocationStatus.optional().describe("Only results with this status"),
      since: Instant.optional().describe("Recorded at or after this time (ISO 8601)"),
      until: Instant.optional().describe("Recorded at or before this time (ISO 8601)"),
      limit: limit(1000),
      cursor,
    }),
  }),
  smsRoute({
    method: "GET",
    path: "/v1/invocations/{invocationId}/story",
    scope: "admin",
    endpoint: api.invocations.story,
    params: z.object({ invocationId: InvocationId }),
    query: z.object({ since: Instant.optional().describe("It was submitted after this time (narrows the read)") }),
  }),
  smsRoute({ method: "GET", path: "/v1/cluster/stats", scope: "read", endpoint: api.cluster.stats, params: z.object({}), query: ReadAfterQuery }),
  smsRoute({
    method: "GET",
    path: "/v1/dlq",
    scope: "admin",
    endpoint: api.dlq.list,
    params: z.object({}),
    query: z.object({
      source: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional().describe("Only dead letters of this source (invocation, projection, assign, events)"),
      code: z.string().min(1).max(64).optional().describe("Only dead letters with this code"),
      function: FunctionName.optional().describe("Only invocations of this function"),
      limit: limit(1000),
      cursor,
    }),
  }),
  smsRoute({ method: "GET", path: "/v1/dlq/{seq}", scope: "admin", endpoint: api.dlq.get, params: z.object({ seq: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }) }),
  smsRoute({ method: "POST", path: "/v1/dlq:redrive", scope: "admin", endpoint: api.dlq.redrive, params: z.object({}), body: RedriveRequest }),
];
