import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from "@opentelemetry/api";
import type { InvocationFinished } from "../../domain/events/invocation.js";
import { subjects } from "../../domain/subjects.js";
import { readTraceHeaders, type TraceHeaders } from "../../domain/trace-context.js";
import { MESSAGING_SYSTEM, SPAN_ATTRS } from "../telemetry/attributes.js";
import { traceHeadersOfSpan } from "../telemetry/trace-context.js";

const TRACER_NAME = "spear-sdk";

/** How an invocation's request joins a trace: the caller's context as given, or the SDK's own `invoke` span. */
export interface InvokeTrace {
  readonly headers: TraceHeaders;
  /** The SDK's span, ended when the call is answered; absent when the caller gave the context. */
  readonly span?: Span;
}

/**
 * The tracer of the tracing SDK the application registered, or undefined when it registered
 * none: then nothing is allocated (the OpenTelemetry API's global provider is a proxy that
 * forwards to a registered delegate; without one it would hand out no-op spans).
 */
function registeredTracer(): Tracer | undefined {
  const provider = trace.getTracerProvider() as ReturnType<typeof trace.getTracerProvider> & { getDelegateTracer?: (name: string) => Tracer | undefined };
  return provider.getDelegateTracer ? provider.getDelegateTracer(TRACER_NAME) : provider.getTracer(TRACER_NAME);
}

/**
 * The trace a request carries. A `traceparent` the caller passed (the gateway passes its HTTP
 * span's) is used as it is, and a malformed one is ignored. Otherwise, when the application
 * registered an OpenTelemetry tracing SDK, the SDK starts an `invoke` span (a PRODUCER, child of
 * the active span if there is one) and the request carries it. Otherwise the request carries no
 * trace, and nothing is allocated for one.
 */
export function beginInvoke(fn: string, invocationId: string, given: TraceHeaders | undefined): InvokeTrace | undefined {
  const headers = given && readTraceHeaders((k) => (k === "traceparent" ? given.traceparent : k === "tracestate" ? given.tracestate : undefined));
  if (headers) return { headers };
  const tracer = registeredTracer();
  if (!tracer) return undefined;
  const span = tracer.startSpan(
    "invoke",
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        [SPAN_ATTRS.messagingSystem]: MESSAGING_SYSTEM,
        [SPAN_ATTRS.messagingOperation]: "send",
        [SPAN_ATTRS.messagingDestination]: subjects.invoke(fn),
        [SPAN_ATTRS.messagingMessageId]: invocationId,
        [SPAN_ATTRS.invocationId]: invocationId,
        [SPAN_ATTRS.function]: fn,
      },
    },
    context.active(),
  );
  return { headers: traceHeadersOfSpan(span), span };
}

/** Ends the SDK's span with the call's answer: the final result, the id once stored (a submit), or the error. */
export function endInvoke(t: InvokeTrace | undefined, answer: { result: InvocationFinished } | { stored: true } | { error: unknown }): void {
  const span = t?.span;
  // Ended already (the result came, then reading its output failed), or sampled out.
  if (!span?.isRecording()) return;
  if ("result" in answer) {
    span.setAttribute(SPAN_ATTRS.status, answer.result.status);
    if (answer.result.status !== "succeeded") {
      const code = answer.result.error?.code ?? answer.result.status;
      span.setAttribute(SPAN_ATTRS.errorCode, code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
    }
  } else if ("error" in answer) {
    const e = answer.error;
    span.recordException(e instanceof Error ? e : String(e));
    span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
  }
  span.end();
}
