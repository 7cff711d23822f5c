import { SpanKind, SpanStatusCode, type Span, type Tracer } from "@opentelemetry/api";
import type { InvocationAssigned } from "../../../domain/events/invocation.js";
import { subjects } from "../../../domain/subjects.js";
import type { TraceHeaders } from "../../../domain/trace-context.js";
import { MESSAGING_SYSTEM, SPAN_ATTRS } from "../../telemetry/attributes.js";
import { startSpanFrom } from "../../telemetry/trace-context.js";
import type { Verdict } from "./verdict.js";

/**
 * The `run` span of one assignment on this node: from its delivery (lease commit, admission,
 * the call in its instance) to its result recorded or the attempt handed back. Its parent is
 * the assignment's context (the scheduler's `place` span); the record request carries this
 * span on, so the result names it.
 */
export function startRunSpan(tracer: Tracer, a: InvocationAssigned, incoming: TraceHeaders | undefined): Span {
  return startSpanFrom(tracer, "run", incoming, {
    kind: SpanKind.CONSUMER,
    attributes: {
      [SPAN_ATTRS.messagingSystem]: MESSAGING_SYSTEM,
      [SPAN_ATTRS.messagingOperation]: "process",
      [SPAN_ATTRS.messagingDestination]: subjects.assign(a.nodeId),
      [SPAN_ATTRS.invocationId]: a.invocationId,
      [SPAN_ATTRS.function]: a.function,
      [SPAN_ATTRS.version]: a.version,
      [SPAN_ATTRS.attempt]: a.attempt,
      [SPAN_ATTRS.nodeId]: a.nodeId,
    },
  });
}

/** What the call came to: its status (or the hand-back), the instance it ran in and whether it waited for a cold start. */
export function runVerdict(span: Span | undefined, v: Verdict): void {
  if (!span) return;
  span.setAttribute(SPAN_ATTRS.outcome, v.kind === "final" ? v.status : v.kind === "retry" ? "handed_back" : "rejected");
  if (v.kind !== "rejected" && v.call) {
    span.setAttribute(SPAN_ATTRS.instanceId, v.call.instanceId);
    span.setAttribute(SPAN_ATTRS.coldStart, v.call.coldStart);
    span.setAttribute(SPAN_ATTRS.tier, v.call.tier);
  }
  if (v.kind === "final" && v.status === "succeeded") return;
  span.setAttribute(SPAN_ATTRS.errorCode, v.error.code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: v.error.code });
}
