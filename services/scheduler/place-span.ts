import { SpanKind, SpanStatusCode, type Span, type Tracer } from "@opentelemetry/api";
import { subjects } from "../../domain/subjects.js";
import type { ParsedRequest } from "../../streams/invocations/request.js";
import { MESSAGING_SYSTEM, SPAN_ATTRS } from "../telemetry/attributes.js";
import { startSpanFrom } from "../telemetry/trace-context.js";

/** How a request's stay with this replica ended, as its `place` span says. */
export type PlaceOutcome = "placed" | "resumed" | "answered" | "rejected" | "dead_lettered";

/**
 * The `place` span of one attempt of an invocation: from the moment this replica took the
 * request (queue wait included) to the assignment published, or to the outcome the scheduler
 * recorded itself. Its parent is the caller's span (the request's `traceparent`); the
 * assignment carries this span on, so the node's `run` span is its child.
 */
export function startPlaceSpan(tracer: Tracer, r: ParsedRequest): Span {
  return startSpanFrom(tracer, "place", r.trace, {
    kind: SpanKind.CONSUMER,
    attributes: {
      [SPAN_ATTRS.messagingSystem]: MESSAGING_SYSTEM,
      [SPAN_ATTRS.messagingOperation]: "process",
      [SPAN_ATTRS.messagingDestination]: r.attempt > 1 ? subjects.retry(r.function) : subjects.invoke(r.function),
      [SPAN_ATTRS.invocationId]: r.invocationId,
      [SPAN_ATTRS.function]: r.function,
      [SPAN_ATTRS.attempt]: r.attempt,
    },
  });
}

/** Says how the placement ended (no-op when the replica does not trace); a refusal's code marks the span an error. */
export function placeOutcome(span: Span | undefined, outcome: PlaceOutcome, errorCode?: string): void {
  if (!span) return;
  span.setAttribute(SPAN_ATTRS.outcome, outcome);
  if (errorCode) {
    span.setAttribute(SPAN_ATTRS.errorCode, errorCode);
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode });
  }
}

/** Ends the span with how many times the placement found no room and waited to try again. */
export function endPlaceSpan(span: Span | undefined, waits: number): void {
  if (!span) return;
  span.setAttribute(SPAN_ATTRS.waits, waits);
  span.end();
}
