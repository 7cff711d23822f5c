import { SpanKind, SpanStatusCode, type Span, type Tracer } from "@opentelemetry/api";
import { ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH } from "@opentelemetry/semantic-conventions";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { readTraceHeaders, type TraceHeaders } from "../../domain/trace-context.js";
import { SPAN_ATTRS } from "../telemetry/attributes.js";
import { openApiPathOf } from "./route.js";
import { onwardTrace, startSpanFrom, traceLogFields } from "../telemetry/trace-context.js";

/** Each request's span, while the gateway traces. */
const spans = new WeakMap<FastifyRequest, Span>();

/** The W3C trace context an HTTP caller sent (`traceparent`, `tracestate`); a malformed one counts as none. */
const callerTrace = (request: FastifyRequest): TraceHeaders | undefined =>
  readTraceHeaders((k) => {
    const v = request.headers[k];
    return typeof v === "string" ? v : undefined;
  });

/**
 * One SERVER span per HTTP request, from its arrival (before the host, token and rate checks,
 * so refusals are traced too) to its answer, child of the caller's `traceparent` when it sent
 * one; the request's log lines carry its trace and span ids. Without a tracer nothing is hooked.
 */
export function traceRequests(app: FastifyInstance, tracer: Tracer | undefined): void {
  if (!tracer) return;
  app.addHook("onRequest", async (request) => {
    const route = request.routeOptions.url && openApiPathOf(request.routeOptions.url);
    const span = startSpanFrom(tracer, route ? `${request.method} ${route}` : request.method, callerTrace(request), {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: request.method,
        [ATTR_URL_PATH]: request.url.split("?", 1)[0]!,
        ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
      },
    });
    spans.set(request, span);
    request.log = request.log.child(traceLogFields(span, undefined) ?? {});
  });
  app.addHook("onResponse", async (request, reply) => {
    const span = spans.get(request);
    if (!span) return;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
    // A server span is an error for the server's failures only; a refused request is the caller's.
    if (reply.statusCode >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(reply.statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  });
}

/**
 * The trace a request's messages carry on: its span when the gateway traces, else the caller's
 * `traceparent` as it came, so a gateway without tracing does not break the caller's trace.
 */
export function traceOf(request: FastifyRequest): TraceHeaders | undefined {
  return onwardTrace(spans.get(request), callerTrace(request));
}

/** Names the invocation a request started on its span (when the gateway traces). */
export function tagInvocation(request: FastifyRequest, invocationId: string): void {
  spans.get(request)?.setAttribute(SPAN_ATTRS.invocationId, invocationId);
}
