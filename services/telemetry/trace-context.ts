import { createTraceState, ROOT_CONTEXT, trace, TraceFlags, type Context, type Span, type SpanOptions, type Tracer } from "@opentelemetry/api";
import { parentSpanIdOf, traceFlagsOf, traceIdOf, type TraceHeaders } from "../../domain/trace-context.js";

/**
 * Trace context between messages (`streams/trace-headers.ts`) and OpenTelemetry spans, on
 * `@opentelemetry/api` alone (the SDK loads this file; the exporting SDK is `tracing.ts`'s). A service that traces starts its
 * span from the incoming context and sends its own on; one that does not passes the incoming
 * context on unchanged, so an untraced hop does not break the trace.
 */

/** A context whose parent is the remote span a message names (the root context when it names none). */
export function remoteContext(t: TraceHeaders | undefined): Context {
  if (!t) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: traceIdOf(t),
    spanId: parentSpanIdOf(t),
    traceFlags: traceFlagsOf(t) & TraceFlags.SAMPLED,
    isRemote: true,
    ...(t.tracestate ? { traceState: createTraceState(t.tracestate) } : {}),
  });
}

/** Starts a span whose parent is the message's context (a new trace when it has none). */
export const startSpanFrom = (tracer: Tracer, name: string, incoming: TraceHeaders | undefined, options: SpanOptions): Span =>
  tracer.startSpan(name, options, remoteContext(incoming));

/** The context a span hands on: its ids as the parent of the next hop, the tracestate it inherited. */
export function traceHeadersOfSpan(span: Span): TraceHeaders {
  const c = span.spanContext();
  const traceparent = `00-${c.traceId}-${c.spanId}-${c.traceFlags & TraceFlags.SAMPLED ? "01" : "00"}`;
  const tracestate = c.traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** What the next message carries: this hop's span when it traces, else the incoming context as it came. */
export const onwardTrace = (span: Span | undefined, incoming: TraceHeaders | undefined): TraceHeaders | undefined =>
  span ? traceHeadersOfSpan(span) : incoming;

/** The fields a log line about an invocation carries: its trace id, and this hop's span id when it traces. */
export function traceLogFields(span: Span | undefined, incoming: TraceHeaders | undefined): { trace_id: string; span_id?: string } | undefined {
  if (span) {
    const c = span.spanContext();
    return { trace_id: c.traceId, span_id: c.spanId };
  }
  return incoming ? { trace_id: traceIdOf(incoming) } : undefined;
}
