/** NATS header names that make up Spear's wire contract (docs/events.md, docs/api.md). */
export const H = {
  msgId: "Nats-Msg-Id",
  eventId: "Spear-Event-Id",
  eventType: "Spear-Event-Type",
  schemaVersion: "Spear-Schema-Version",
  aggregateType: "Spear-Aggregate-Type",
  aggregateId: "Spear-Aggregate-Id",
  occurredAt: "Spear-Occurred-At",
  correlationId: "Spear-Correlation-Id",
  causationId: "Spear-Causation-Id",
  // invocation path
  /** Where the final result is published; only an inbox (`_INBOX.…`) is accepted (`isReplySubject`). */
  replyTo: "Spear-Reply-To",
  // In a request of SPEAR_INVOKE, the headers from here to retryReason are believed only on the retry
  // subject (`subjects.retry`, schedulers and spearlets); from a client (`subjects.invoke`) they are ignored.
  invocationId: "Spear-Invocation-Id",
  attempt: "Spear-Attempt",
  /** How many of the attempts so far were refusals (saturated, draining) rather than failures. */
  refusals: "Spear-Refusals",
  excludeNodes: "Spear-Exclude-Nodes",
  /** Nodes that lost an attempt by going away (killed, hung): later attempts go there only when no other node can take the call. */
  avoidNodes: "Spear-Avoid-Nodes",
  submittedAt: "Spear-Submitted-At",
  retryReason: "Spear-Retry-Reason",
  // W3C trace context (https://www.w3.org/TR/trace-context/), on requests, retries, assignments, record
  // requests and results: it names a trace and grants nothing, so it is read on every subject (domain/trace-context.ts).
  traceparent: "traceparent",
  tracestate: "tracestate",
  // dead letters
  dlqReason: "Spear-Dlq-Reason",
  dlqCode: "Spear-Dlq-Code",
  dlqSource: "Spear-Dlq-Source",
  /** The original message's `Nats-Msg-Id` (a client's invocation id), which the dead letter cannot keep under its own name: it has its own. */
  dlqMsgId: "Spear-Dlq-Msg-Id",
} as const;
