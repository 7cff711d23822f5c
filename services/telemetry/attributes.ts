/**
 * The attribute names on Spear's spans. The messaging ones are OpenTelemetry's semantic
 * conventions still marked incubating, copied here as the conventions package advises rather
 * than imported from its unstable entry; the `spear.*` ones are Spear's own.
 */
export const SPAN_ATTRS = {
  messagingSystem: "messaging.system",
  messagingDestination: "messaging.destination.name",
  messagingOperation: "messaging.operation.type",
  messagingMessageId: "messaging.message.id",
  invocationId: "spear.invocation.id",
  function: "spear.function",
  version: "spear.function.version",
  attempt: "spear.attempt",
  nodeId: "spear.node.id",
  status: "spear.invocation.status",
  errorCode: "spear.error.code",
  outcome: "spear.outcome",
  waits: "spear.place.waits",
  coldStart: "spear.cold_start",
  instanceId: "spear.instance.id",
  tier: "spear.instance.tier",
} as const;

/** The value of `messaging.system` on every span about a NATS message. */
export const MESSAGING_SYSTEM = "nats";
