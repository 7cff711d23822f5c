import type { MsgHdrs } from "@nats-io/transport-node";
import { H } from "../domain/headers.js";
import { readTraceHeaders, type TraceHeaders } from "../domain/trace-context.js";
import { headersOf } from "./message-headers.js";

/** The W3C trace context a NATS message carries; undefined when it has none or a malformed one (one header lookup when none). */
export const traceHeadersOf = (h: MsgHdrs | undefined): TraceHeaders | undefined => (h ? readTraceHeaders((k) => h.get(k) || undefined) : undefined);

/** The trace context of a received message, whose headers may be undecodable (then none: `headersOf`). */
export const messageTrace = (m: { readonly headers?: MsgHdrs | undefined }): TraceHeaders | undefined => traceHeadersOf(headersOf(m));

/** Writes a trace context into a message's headers (nothing when there is none). */
export function setTraceHeaders(h: MsgHdrs, t: TraceHeaders | undefined): void {
  if (!t) return;
  h.set(H.traceparent, t.traceparent);
  if (t.tracestate) h.set(H.tracestate, t.tracestate);
}
