import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { z } from "zod";
import type { AnyEndpoint, ParsedRequestOf } from "../../domain/api/endpoint.js";
import { SpearError, type ErrorBody } from "../../domain/errors.js";
import { H } from "../../domain/headers.js";
import { jsonDepth, MAX_JSON_DEPTH } from "../../domain/json-limits.js";
import type { TraceHeaders } from "../../domain/trace-context.js";
import { decodeJson, encodeJson } from "../../streams/json.js";
import { headersOf } from "../../streams/message-headers.js";
import { traceHeadersOf } from "../../streams/trace-headers.js";
import { issuesOf } from "./errors.js";
import { codeLabel, metric } from "../metrics/registry.js";

export interface RequestContext {
  /** From the request's `Spear-Correlation-Id` header, or new; carried into the events it causes. */
  readonly correlationId: string;
  /** The subject the request came on: a route on a wildcard subject reads its parameter here. */
  readonly subject: string;
  readonly log: Logger;
  /** The caller's W3C trace (`traceparent` header), passed on by the verbs that publish (the sync invoke). */
  readonly trace?: TraceHeaders | undefined;
}

export type Handler<E extends AnyEndpoint> = (request: ParsedRequestOf<E>, ctx: RequestContext) => Promise<z.input<E["result"]>>;

/** One handler per verb of an area: the compiler checks that none is missing. */
export type AreaHandlers<A extends Record<string, AnyEndpoint>> = { readonly [V in keyof A]: Handler<A[V]> };

export interface Route {
  readonly endpoint: AnyEndpoint;
  readonly handle: Handler<AnyEndpoint>;
}

export function routesOf<A extends Record<string, AnyEndpoint>>(area: A, handlers: AreaHandlers<A>): Route[] {
  return Object.keys(area).map((verb) => ({ endpoint: area[verb]!, handle: handlers[verb] as Handler<AnyEndpoint> }));
}

function errorBody(e: unknown, log: Logger, subject: string): ErrorBody {
  if (e instanceof SpearError) return e.toJSON();
  log.error({ err: e, subject }, "request failed unexpectedly");
  return { code: "internal", message: "an unexpected failure; the SMS log has details" };
}

async function answer(route: Route, msg: Msg, log: Logger): Promise<unknown> {
  const { endpoint } = route;
  // Bodies that nest without bound would overflow the stack of the schemas and of re-encoding.
  if (jsonDepth(msg.data) > MAX_JSON_DEPTH + 1) throw new SpearError("invalid_argument", `${endpoint.subject}: the body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  let body: unknown;
  try {
    body = decodeJson(msg.data) ?? {};
  } catch {
    throw new SpearError("invalid_argument", `${endpoint.subject}: the request body is not JSON`);
  }
  const request = endpoint.request.safeParse(body);
  if (!request.success) {
    throw new SpearError("invalid_argument", `${endpoint.subject}: ${z.prettifyError(request.error)}`, { issues: issuesOf(request.error) });
  }
  const h = headersOf(msg);
  const correlationId = h?.get(H.correlationId) || randomUUID();
  const result = await route.handle(request.data, { correlationId, subject: msg.subject, log: log.child({ correlationId }), trace: traceHeadersOf(h) });
  const checked = endpoint.result.safeParse(result);
  if (!checked.success) {
    log.error({ subject: endpoint.subject, problem: z.prettifyError(checked.error) }, "a handler produced a reply that fails its schema");
    throw new SpearError("internal", `${endpoint.subject} produced an invalid reply; the SMS log has details`);
  }
  return checked.data;
}

/**
 * Serves each route on its subject in a queue group, so any number of replicas share the
 * requests. Every request gets exactly one reply: `{ ok: true, result }` or
 * `{ ok: false, error: { code, message, details? } }`.
 */
export function serveRoutes(nc: NatsConnection, routes: readonly Route[], opts: { queue: string; log: Logger }): Subscription[] {
  const { log } = opts;
  return routes.map((route) =>
    nc.subscribe(route.endpoint.subject, {
      queue: opts.queue,
      callback: (err, msg) => {
        if (err) {
          log.error({ err, subject: route.endpoint.subject }, "subscription failed");
          return;
        }
        if (!msg.reply) {
          log.warn({ subject: msg.subject }, "ignored a message without a reply subject (use request/reply)");
          return;
        }
        const started = performance.now();
        void answer(route, msg, log)
          .then((result) => ({ ok: true as const, result }))
          .catch((e: unknown) => ({ ok: false as const, error: errorBody(e, log, route.endpoint.subject) }))
          .then((reply) => {
            const ms = performance.now() - started;
            log.debug({ subject: route.endpoint.subject, ok: reply.ok, ms: Math.round(ms) }, "answered");
            countAnswer(route.endpoint.subject, reply.ok ? "ok" : codeLabel(reply.error.code), ms);
            respond(msg, reply, log);
          });
      },
    }),
  );
}

function respond(msg: Msg, reply: unknown, log: Logger): void {
  try {
    msg.respond(encodeJson(reply));
  } catch (e) {
    // A reply over the server's max payload: say so instead of leaving the caller to time out.
    log.warn({ err: e, subject: msg.subject }, "could not send a reply");
    const error: ErrorBody = {
      code: "payload_too_large",
      message: `the reply to ${msg.subject} is too large to send; ask for a smaller page (limit)`,
    };
    try {
      msg.respond(encodeJson({ ok: false, error }));
    } catch (again) {
      log.error({ err: again, subject: msg.subject }, "could not send an error reply either");
    }
  }
}

function countAnswer(endpoint: string, outcome: string, ms: number): void {
  metric("spear_api_requests_total").inc({ endpoint, outcome });
  metric("spear_api_request_duration_seconds").observe({ endpoint }, ms / 1000);
}
