import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from "fastify";
import type { Tracer } from "@opentelemetry/api";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import { z } from "zod";
import type { AnyEndpoint, RequestOf } from "../../domain/api/endpoint.js";
import { H } from "../../domain/headers.js";
import type { Nats } from "../../streams/connection.js";
import type { SpearClient } from "../sdk/index.js";
import { smsRequest } from "../api/client.js";
import type { GatewayConfig } from "./config.js";
import type { ClusterFeed } from "./live/feed.js";
import { ErrorResponse } from "./errors.js";
import type { Scope } from "./scopes.js";
import type { EventStreams } from "./event-streams.js";
import type { ResultFeed } from "./result-feed.js";
import type { SyncWaits } from "./sync-waits.js";

export type GatewayApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

export interface GatewayDeps {
  readonly nats: Nats;
  readonly config: GatewayConfig;
  readonly log: Logger;
  /** Set when spans are exported (`OTEL_EXPORTER_OTLP_ENDPOINT`): each HTTP request gets a span. */
  readonly tracer?: Tracer | undefined;
}

/**
 * What a route gets: the connection (for the control plane's verbs), the SDK client on it (for
 * invoking), the cap on synchronous waits, the results as they are stored (for the watches
 * and the live feed), the cluster's live feed, and the one capped set of event streams.
 */
export interface RouteContext extends GatewayDeps {
  readonly client: SpearClient;
  readonly waits: SyncWaits;
  readonly results: ResultFeed;
  readonly streams: EventStreams;
  readonly feed: ClusterFeed;
}

/**
 * One HTTP route: what the docs list (method, path, what it does, what it calls) and how it
 * registers itself. `path` is written the OpenAPI way (`/v1/nodes/{nodeId}:drain`) and is the
 * only spelling of the path; Fastify's is derived from it.
 */
export interface GatewayRoute {
  readonly method: "GET" | "POST" | "DELETE";
  readonly path: string;
  readonly summary: string;
  /** The scope a token needs to call it (a /v1 route); the probes have none. */
  readonly scope?: Scope;
  /** What the route calls, in order: NATS subjects (`spear.…`) or a few words. */
  readonly calls: readonly string[];
  /** The statuses of a successful answer. */
  readonly success: readonly number[];
  readonly register: (app: GatewayApp, ctx: RouteContext) => void;
}

/** A /v1 route: it names the scope it needs, and registers with it in its config (which the token check reads). */
export type ApiRoute = GatewayRoute & { readonly scope: Scope };

/**
 * `/v1/functions/{name}:invoke` → `/v1/functions/:name(^[^:/]+)::invoke`: find-my-way reads a
 * parameter up to the next `/` unless a pattern stops it, and a literal `:` is written `::`.
 */
export function fastifyPath(openApiPath: string): string {
  return openApiPath
    .replace(/:(?=[a-z])/g, "::")
    .replace(/\{(\w+)\}(?=::)/g, ":$1(^[^:/]+)")
    .replace(/\{(\w+)\}/g, ":$1");
}

/** `fastifyPath` undone: the route as the docs and the OpenAPI document spell it (span names, `http.route`). */
export function openApiPathOf(fastifyUrl: string): string {
  return fastifyUrl
    .replace(/::/g, "\u0000")
    .replace(/:(\w+)(?:\([^)]*\))?/g, "{$1}")
    .replace(/\u0000/g, ":");
}

/** The caller's correlation id, passed on to what the route calls so that its events carry it. */
export const correlationOf = (request: FastifyRequest): string | undefined => {
  const v = request.headers[H.correlationId.toLowerCase()];
  return typeof v === "string" && v.length > 0 ? v : undefined;
};

/** The documented answers of every route besides its success. */
export const errorResponses = {
  "4XX": { description: "The request was refused", content: { "application/json": { schema: ErrorResponse } } },
  "5XX": { description: "The platform could not answer", content: { "application/json": { schema: ErrorResponse } } },
};

export const ok = (description: string, schema: z.ZodType) => ({ description, content: { "application/json": { schema } } });

type AnyObject = z.ZodObject<z.ZodRawShape>;
type Parts<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> = { params: z.output<P>; query: z.output<Q>; body: z.output<B> };

/**
 * A route that is one verb of the control plane's API: the verb's request is assembled from
 * the path, query and body (merged, unless `request` says otherwise) and its result is the
 * answer. The SMS validates the request again; errors keep the SMS's code.
 */
export function smsRoute<E extends AnyEndpoint, P extends AnyObject, Q extends AnyObject, B extends z.ZodType = z.ZodUndefined>(def: {
  readonly method: GatewayRoute["method"];
  readonly path: string;
  readonly scope: Scope;
  readonly endpoint: E;
  readonly params: P;
  readonly query?: Q;
  readonly body?: B;
  readonly request?: (parts: Parts<P, Q, B>) => RequestOf<E>;
}): ApiRoute {
  const e = def.endpoint;
  const summary = e.description.split(". ")[0]!.replace(/\.$/, "");
  return {
    method: def.method,
    path: def.path,
    scope: def.scope,
    summary,
    calls: [e.subject],
    success: [200],
    register: (app, { nats }) => {
      app.route({
        method: def.method,
        url: fastifyPath(def.path),
        config: { scope: def.scope },
        schema: {
          operationId: `${e.area}_${e.verb}`,
          tags: [e.area],
          summary,
          description: `${e.description}\n\nCalls \`${e.subject}\` (${e.kind}).`,
          params: def.params,
          ...(def.query ? { querystring: def.query } : {}),
          ...(def.body ? { body: def.body } : {}),
          response: { 200: ok("The verb's result", e.result), ...errorResponses },
        },
        handler: async (request) => {
          const parts = { params: request.params, query: request.query ?? {}, body: request.body } as Parts<P, Q, B>;
          const req = def.request ? def.request(parts) : ({ ...(parts.query as object), ...(parts.body as object | undefined), ...(parts.params as object) } as RequestOf<E>);
          const correlationId = correlationOf(request);
          return smsRequest(nats.nc, e, req, correlationId ? { correlationId } : {});
        },
      });
    },
  };
}
