import { claimedInvocationId } from "../domain/invoke-subject.js";
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import { SpearError } from "../domain/errors.js";
import { AggregateType, currentVersion, decodeEvent, encodeEvent, isEventType, plainEvent, type DomainEvent } from "../domain/events/catalog.js";
import { EventMeta, isPlainMeta, type AggregateRef, type RecordedEvent, type StreamPosition } from "../domain/events/envelope.js";
import { H } from "../domain/headers.js";
import { jsonDepth, MAX_JSON_DEPTH } from "../domain/json-limits.js";
import { lastToken } from "../domain/subjects.js";
import { streamNames } from "./catalog.js";
import { envelopeOfBlock, envelopeOfHeaders, type EnvelopeHeaders } from "./envelope-headers.js";
import { headerBlock } from "./header-block.js";
import { headersOf } from "./message-headers.js";
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
 * Headers and body of an event a service built itself from values it validated already (an
 * assignment from a parsed request and a lease, a node's own status report): the schema is not
 * checked again on the hot path. Tests check these builders against the schemas.
 */
export function envelopeOfOwn(event: DomainEvent, meta: EventMeta): { headers: MsgHdrs; body: unknown } {
  return { headers: metaHeaders(meta), body: event.data };
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

/** The envelope's headers of a message; undefined when its header block cannot be decoded. */
const envelopeOf = (msg: RawStoredMessage): EnvelopeHeaders | undefined => (msg.headerBlock ? envelopeOfBlock(msg.headerBlock) : envelopeOfHeaders(msg.headers));

export function readMeta(msg: RawStoredMessage, stream: string, h: EnvelopeHeaders | undefined = envelopeOf(msg)): EventMeta {
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
/**
 * Streams only Spear's own services may write (NATS permissions: the schedulers write
 * assignments and results, the control services the events): each event was validated when it
 * was written, so reading it again need not.
 */
const ownStreams: ReadonlySet<string> = new Set([streamNames.assign, streamNames.results, streamNames.events]);

/**
 * Decodes a stored message of one of Spear's own streams without checking its body against the
 * schema again (the writer did): the envelope is read as `readMeta` reads it, the body parsed.
 * A message of any other stream, or one written at an older schema version (upcast and
 * checked), goes through `decodeRecorded`. A body that is not what its type says can only come
 * from a writer with Spear's rights; a fold that trips over it changes nothing (`applyMessage`).
 */
export function decodeOwn(msg: RawStoredMessage, stream: string): RecordedEvent {
  const h = envelopeOf(msg);
  // Spear's writers always name the type: a message without it was not written by them.
  if (!ownStreams.has(stream) || !h?.eventType) return decodeRecorded(msg, stream);
  const meta = readMeta(msg, stream, h);
  if (!isEventType(meta.type) || meta.schemaVersion !== currentVersion(meta.type)) return decodeRecorded(msg, stream);
  let body: unknown;
  try {
    body = decodeJson(msg.data);
  } catch (cause) {
    throw new SpearError("invalid_event", `message ${stream}#${msg.seq} is not JSON`, undefined, { cause });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new SpearError("invalid_event", `message ${stream}#${msg.seq} is not a JSON object`);
  return { type: meta.type, data: body, meta, position: { stream, seq: msg.seq, subject: msg.subject, time: msg.time } } as RecordedEvent;
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
    // Undecodable headers are none: the envelope is then missing (a typed error), and a dead letter keeps the body.
    return headersOf(m);
  },
  data: m.data,
  time: m.timestamp,
  headerBlock: headerBlock(m),
});
