import type { MsgHdrs } from "@nats-io/transport-node";
import { H } from "../domain/headers.js";
import { readTraceHeaders, type TraceHeaders } from "../domain/trace-context.js";

/** The W3C trace context a NATS message carries; undefined when it has none or a malformed one (one header lookup when none). */
export const traceHeadersOf = (h: MsgHdrs | undefined): TraceHeaders | undefined => (h ? readTraceHeaders((k) => h.get(k) || undefined) : undefined);

/** Writes a trace context into a message's headers (nothing when there is none). */
export function setTraceHeaders(h: MsgHdrs, t: TraceHeaders | undefined): void {
  if (!t) return;
  h.set(H.traceparent, t.traceparent);
  if (t.tracestate) h.set(H.tracestate, t.tracestate);
}
