import { claimedInvocationId } from "../domain/invoke-subject.js";
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import { SpearError } from "../domain/errors.js";
import { AggregateType, currentVersion, decodeEvent, encodeEvent, plainEvent, type DomainEvent } from "../domain/events/catalog.js";
import { EventMeta, isPlainMeta, type AggregateRef, type RecordedEvent, type StreamPosition } from "../domain/events/envelope.js";
import { H } from "../domain/headers.js";
import { jsonDepth, MAX_JSON_DEPTH } from "../domain/json-limits.js";
import { lastToken } from "../domain/subjects.js";
import { streamNames } from "./catalog.js";
import { envelopeOfBlock, envelopeOfHeaders } from "./envelope-headers.js";
import { headerBlock } from "./header-block.js";
import { decodeJson } from "./json.js";

export interface EventContext {
  readonly correlationId?: string;
  readonly causationId?: string;
  /** Supplying the id makes a retried append idempotent (it is also the `Nats-Msg-Id`). */
  readonly eventId?: string;
  readonly now?: Date;
}

/** Events nest Spear's own fields around inputs and outputs of at most MAX_JSON_DEPTH levels. */
const MAX_STORED_DEPTH = MAX_JSON_DEPTH + 4;

export function newMeta(event: DomainEvent, aggregate: AggregateRef, ctx: EventContext = {}): EventMeta {
  return {
    eventId: ctx.eventId ?? randomUUID(),
    type: event.type,
    schemaVersion: currentVersion(event.type),
    aggregateType: aggregate.type,
    aggregateId: aggregate.id,
    occurredAt: (ctx.now ?? new Date()).toISOString(),
    ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
    ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
  };
}

export function metaHeaders(meta: EventMeta, into: MsgHdrs = natsHeaders()): MsgHdrs {
  into.set(H.msgId, meta.eventId);
  into.set(H.eventId, meta.eventId);
  into.set(H.eventType, meta.type);
  into.set(H.schemaVersion, String(meta.schemaVersion));
  into.set(H.aggregateType, meta.aggregateType);
  into.set(H.aggregateId, meta.aggregateId);
  into.set(H.occurredAt, meta.occurredAt);
  if (meta.correlationId) into.set(H.correlationId, meta.correlationId);
  if (meta.causationId) into.set(H.causationId, meta.causationId);
  return into;
}

/** Validates the event and returns headers and body ready to publish. */
export function encodeEnvelope(event: DomainEvent, meta: EventMeta): { headers: MsgHdrs; body: unknown } {
  return { headers: metaHeaders(meta), body: encodeEvent(event) };
}

/**
 * Messages that any NATS client may publish without Spear's headers (an invoke request,
 * a status report) get their type from the stream they are in and their id from the subject.
 */
const implicitTypes: Record<string, { type: string; aggregate: AggregateType }> = {
  [streamNames.invoke]: { type: "InvocationRequested", aggregate: "invocation" },
  [streamNames.assign]: { type: "InvocationAssigned", aggregate: "invocation" },
  [streamNames.results]: { type: "InvocationFinished", aggregate: "invocation" },
  [streamNames.status]: { type: "NodeStatusReported", aggregate: "node" },
};

export interface RawStoredMessage {
  readonly subject: string;
  readonly seq: number;
  readonly headers?: MsgHdrs | undefined;
  readonly data: Uint8Array;
  /** ISO time the server stored it. */
  readonly time: string;
  /** The raw header block, when the reader has it (see header-block.ts): the envelope is read from it without decoding every header. */
  readonly headerBlock?: Uint8Array | undefined;
}

export function readMeta(msg: RawStoredMessage, stream: string): EventMeta {
  const h = msg.headerBlock ? envelopeOfBlock(msg.headerBlock) : envelopeOfHeaders(msg.headers);
  // Refused rather than read: every later read of the stream would stumble on the same headers.
  if (!h) throw new SpearError("invalid_event", `message ${stream}#${msg.seq} has headers that cannot be decoded`);
  // As MsgHdrs.get gives them, an empty value is none.
  const get = (v: string | undefined) => v || undefined;
  const implicit = implicitTypes[stream];
  const type = get(h.eventType) ?? implicit?.type;
  if (!type) {
    throw new SpearError("invalid_event", `message ${stream}#${msg.seq} on ${msg.subject} has no ${H.eventType} header`);
  }
  const aggregateId =
    get(h.aggregateId) ??
    (implicit?.aggregate === "invocation" && stream === streamNames.invoke
      ? claimedInvocationId(msg.subject, (k) => msg.headers?.get(k) || undefined) ?? `seq-${msg.seq}`
      : lastToken(msg.subject));
  const candidate = {
    eventId: get(h.eventId) ?? get(h.msgId) ?? `${stream}-${msg.seq}`,
    type,
    schemaVersion: Number(get(h.schemaVersion) ?? 1),
    aggregateType: get(h.aggregateType) ?? implicit?.aggregate ?? msg.subject.split(".")[2],
    aggregateId,
    occurredAt: get(h.occurredAt) ?? msg.time,
    correlationId: get(h.correlationId),
    causationId: get(h.causationId),
  };
  if (isPlainMeta(candidate)) return candidate;
  const parsed = EventMeta.safeParse(candidate);
  if (!parsed.success) {
    throw new SpearError("invalid_event", `message ${stream}#${msg.seq} has an invalid envelope: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}

const NOT_JSON = Symbol("not JSON");

/** Decodes, validates and upcasts a stored message into a typed event. Throws SpearError. */
export function decodeRecorded(msg: RawStoredMessage, stream: string): RecordedEvent {
  const meta = readMeta(msg, stream);
  let body: unknown = NOT_JSON;
  let notJson: unknown;
  try {
    body = decodeJson(msg.data);
  } catch (cause) {
    notJson = cause;
  }
  // A plain body's shape bounds its nesting; only the others need theirs measured.
  const { type, data } = (body !== NOT_JSON && plainEvent(meta.type, meta.schemaVersion, body)) || checkedEvent(msg, stream, meta, body, notJson);
  const position: StreamPosition = { stream, seq: msg.seq, subject: msg.subject, time: msg.time };
  return { type, data, meta, position } as RecordedEvent;
}

function checkedEvent(msg: RawStoredMessage, stream: string, meta: EventMeta, body: unknown, notJson: unknown): DomainEvent {
  // What decodes must encode again (replay prints it, a retry republishes it): bounded nesting.
  if (jsonDepth(msg.data) > MAX_STORED_DEPTH) {
    throw new SpearError("invalid_event", `message ${stream}#${msg.seq} is nested deeper than ${MAX_STORED_DEPTH} levels`);
  }
  if (body === NOT_JSON) throw new SpearError("invalid_event", `message ${stream}#${msg.seq} is not JSON`, undefined, { cause: notJson });
  return decodeEvent(meta.type, meta.schemaVersion, body);
}

/**
 * The parts of a consumed or fetched message that decoding needs. Its headers are decoded
 * when first read: decoding reads the envelope from the header block where there is one.
 */
export const rawOf = (m: {
  subject: string;
  seq: number;
  headers?: MsgHdrs | undefined;
  header?: MsgHdrs | undefined;
  data: Uint8Array;
  timestamp: string;
}): RawStoredMessage => ({
  subject: m.subject,
  seq: m.seq,
  get headers() {
    return m.headers ?? m.header;
  },
  data: m.data,
  time: m.timestamp,
  headerBlock: headerBlock(m),
});
