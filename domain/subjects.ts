import type { AggregateType } from "./events/catalog.js";

/** Every subject Spear publishes on is built here, so the contract has one source. */
export const subjects = {
  event: (type: AggregateType, id: string) => `spear.evt.${type}.${id}`,
  eventsOf: (type: AggregateType) => `spear.evt.${type}.>`,
  allEvents: "spear.evt.>",
  /** A client's invocation request: every Spear header about earlier attempts is ignored here. */
  invoke: (fn: string) => `spear.invoke.${fn}`,
  /**
   * The next attempt of an invocation, published by schedulers and spearlets only (clients may
   * publish on `spear.invoke.*` alone), so the attempt headers it carries can be believed.
   * Inside `spear.invoke.>`: the same stream and the same scheduler consumer.
   */
  retry: (fn: string) => `spear.invoke.${fn}.retry`,
  allInvokes: "spear.invoke.>",
  assign: (nodeId: string) => `spear.assign.${nodeId}`,
  allAssigns: "spear.assign.>",
  status: (nodeId: string) => `spear.status.${nodeId}`,
  allStatus: "spear.status.>",
  result: (invocationId: string) => `spear.result.${invocationId}`,
  allResults: "spear.result.>",
  /** Where a spearlet sends its results for the schedulers' recorder to check and record; only that node may publish here. */
  record: (nodeId: string) => `spear.record.${nodeId}`,
  dlq: (source: string, key: string) => `spear.dlq.${source}.${key}`,
  allDlq: "spear.dlq.>",
  api: (area: string, verb: string) => `spear.api.${area}.${verb}`,
  /** A verb one spearlet answers for itself (stats, health): `spear.api.nodes.<nodeId>.<verb>`. */
  nodeApi: (nodeId: string, verb: string) => `spear.api.nodes.${nodeId}.${verb}`,
  /** Answered with an empty message by a spearlet's process for as long as it lives (schedulers probe it). */
  presence: (nodeId: string) => `spear.presence.${nodeId}`,
  /** An empty core NATS message a spearlet sends each time it releases a lease: a slot is free there now. */
  capacity: (nodeId: string) => `spear.capacity.${nodeId}`,
} as const;

/** The longest reply subject Spear publishes to. */
export const MAX_REPLY_SUBJECT = 256;

/** What every reply subject starts with: NATS clients' default inbox prefix. */
export const REPLY_INBOX_PREFIX = "_INBOX.";

/**
 * Whether a subject can be published to: dot-separated non-empty tokens of printable
 * characters without spaces or wildcards, at most `MAX_REPLY_SUBJECT` long.
 */
const isPublishableSubject = (s: string): boolean =>
  s.length > 0 && s.length <= MAX_REPLY_SUBJECT && /^[!-~]+$/.test(s) && s.split(".").every((t) => t.length > 0 && t !== "*" && t !== ">");

/**
 * Whether a subject given by a client may be its reply subject: a publishable inbox
 * (`_INBOX.<token>...`). A client may subscribe to inboxes only, so Spear never publishes a
 * result where the caller could not have listened, such as on another service's subject.
 */
export const isReplySubject = (s: string): boolean => s.startsWith(REPLY_INBOX_PREFIX) && isPublishableSubject(s);

/** The last token of a subject, i.e. the aggregate id of `spear.evt.<type>.<id>`. */
export const lastToken = (subject: string): string => subject.slice(subject.lastIndexOf(".") + 1);
