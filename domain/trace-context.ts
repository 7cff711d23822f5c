/**
 * W3C trace context as Spear carries it in NATS headers (`traceparent`, `tracestate`): the
 * caller's trace, continued by every hop of an invocation. It comes from clients, so it is read
 * without trusting it: a malformed or oversized value is dropped (the call goes on without that
 * trace), never an error.
 */
export interface TraceHeaders {
  /** `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`. */
  readonly traceparent: string;
  readonly tracestate?: string;
}

/** The W3C limits: a version-00 traceparent is exactly 55 characters; tracestate is at most 32 members, which 512 characters carry in practice. */
export const TRACE_LIMITS = { traceparent: 55, tracestate: 512 } as const;

/** Version 00 only (a later version's layout is unknown to this reader); all-zero ids are invalid by the spec. */
const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
/** Visible ASCII and spaces: what a header value may hold (the list's own syntax is the tracing SDK's to read). */
const TRACESTATE = /^[\x20-\x7e]*$/;

/**
 * The trace context of a message, from a header reader; undefined when it has none or its
 * `traceparent` is malformed. The common case (no header) costs one lookup.
 */
export function readTraceHeaders(get: (name: string) => string | undefined): TraceHeaders | undefined {
  const traceparent = get("traceparent");
  if (traceparent === undefined || traceparent.length !== TRACE_LIMITS.traceparent || !TRACEPARENT.test(traceparent)) return undefined;
  const tracestate = get("tracestate");
  // A tracestate that is too long or not a header value is dropped; the trace itself goes on.
  if (tracestate === undefined || tracestate.length === 0 || tracestate.length > TRACE_LIMITS.tracestate || !TRACESTATE.test(tracestate)) return { traceparent };
  return { traceparent, tracestate };
}

/** The trace id of a well-formed traceparent. */
export const traceIdOf = (t: TraceHeaders): string => t.traceparent.slice(3, 35);

/** The parent span id of a well-formed traceparent. */
export const parentSpanIdOf = (t: TraceHeaders): string => t.traceparent.slice(36, 52);

/** The trace flags the caller set (bit 0: sampled). */
export const traceFlagsOf = (t: TraceHeaders): number => parseInt(t.traceparent.slice(53, 55), 16);
