import type { AggregateType } from "./events/catalog.js";

/** Every subject Spear publishes on is built here, so the contract has one source. */
export const subjects = {
  event: (type: AggregateType, id: string) => `spear.evt.${type}.${id}`,
  eventsOf: (type: AggregateType) => `spear.evt.${type}.>`,
  allEvents: "spear.evt.>",
  invoke: (fn: string) => `spear.invoke.${fn}`,
  allInvokes: "spear.invoke.>",
  assign: (nodeId: string) => `spear.assign.${nodeId}`,
  allAssigns: "spear.assign.>",
  status: (nodeId: string) => `spear.status.${nodeId}`,
  allStatus: "spear.status.>",
  result: (invocationId: string) => `spear.result.${invocationId}`,
  allResults: "spear.result.>",
  dlq: (source: string, key: string) => `spear.dlq.${source}.${key}`,
  allDlq: "spear.dlq.>",
  api: (area: string, verb: string) => `spear.api.${area}.${verb}`,
  /** A verb one spearlet answers for itself (stats, health): `spear.api.nodes.<nodeId>.<verb>`. */
  nodeApi: (nodeId: string, verb: string) => `spear.api.nodes.${nodeId}.${verb}`,
  /** Answered with an empty message by a spearlet's process for as long as it lives (schedulers probe it). */
  presence: (nodeId: string) => `spear.presence.${nodeId}`,
} as const;

/** The longest reply subject Spear publishes to. */
export const MAX_REPLY_SUBJECT = 256;

/**
 * Whether a subject given by a client can be published to as a reply: dot-separated non-empty
 * tokens of printable characters without spaces or wildcards, at most `MAX_REPLY_SUBJECT` long.
 */
export const isPublishableSubject = (s: string): boolean =>
  s.length > 0 && s.length <= MAX_REPLY_SUBJECT && /^[!-~]+$/.test(s) && s.split(".").every((t) => t.length > 0 && t !== "*" && t !== ">");

/** The last token of a subject, i.e. the aggregate id of `spear.evt.<type>.<id>`. */
export const lastToken = (subject: string): string => subject.slice(subject.lastIndexOf(".") + 1);
