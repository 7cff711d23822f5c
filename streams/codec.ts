import { claimedInvocationId } from "../domain/invoke-subject.js";
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import { SpearError } from "../domain/errors.js";
import { AggregateType, currentVersion, decodeEvent, encodeEvent, isEventType, type DomainEvent } from "../domain/events/catalog.js";
import { EventMeta, type AggregateRef, type RecordedEvent, type StreamPosition } from "../domain/events/envelope.js";
import { H } from "../domain/headers.js";
import { jsonDepth, MAX_JSON_DEPTH } from "../domain/json-limits.js";
import { lastToken } from "../domain/subjects.js";
import { streamNames } from "./catalog.js";
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
}

export function readMeta(msg: RawStoredMessage, stream: string): EventMeta {
  const h = msg.headers;
  const get = (k: string) => h?.get(k) || undefined;
  const implicit = implicitTypes[stream];
  const type = get(H.eventType) ?? implicit?.type;
  if (!type) {
    throw new SpearError("invalid_event", `message ${stream}#${msg.seq} on ${msg.subject} has no ${H.eventType} header`);
  }
  const aggregateId =
    get(H.aggregateId) ??
    (implicit?.aggregate === "invocation" && stream === streamNames.invoke
      ? claimedInvocationId(msg.subject, get) ?? `seq-${msg.seq}`
      : lastToken(msg.subject));
  const candidate = {
    eventId: get(H.eventId) ?? get(H.msgId) ?? `${stream}-${msg.seq}`,
    type,
    schemaVersion: Number(get(H.schemaVersion) ?? 1),
    aggregateType: get(H.aggregateType) ?? implicit?.aggregate ?? msg.subject.split(".")[2],
    aggregateId,
    occurredAt: get(H.occurredAt) ?? msg.time,
    correlationId: get(H.correlationId),
    causationId: get(H.causationId),
  };
  const parsed = EventMeta.safeParse(candidate);
  if (!parsed.success) {
    throw new SpearError("invalid_event", `message ${stream}#${msg.seq} has an invalid envelope: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}

/** Decodes, validates and upcasts a stored message into a typed event. Throws SpearError. */
export function decodeRecorded(msg: RawStoredMessage, stream: string): RecordedEvent {
  const meta = readMeta(msg, stream);
  // What decodes must encode again (replay prints it, a retry republishes it): bounded nesting.
  if (jsonDepth(msg.data) > MAX_STORED_DEPTH) {
    throw new SpearError("invalid_event", `message ${stream}#${msg.seq} is nested deeper than ${MAX_STORED_DEPTH} levels`);
  }
  let body: unknown;
  try {
    body = decodeJson(msg.data);
  } catch (cause) {
    throw new SpearError("invalid_event", `message ${stream}#${msg.seq} is not JSON`, undefined, { cause });
  }
  const event = decodeEvent(meta.type, meta.schemaVersion, body);
  const position: StreamPosition = { stream, seq: msg.seq, subject: msg.subject, time: msg.time };
  return { ...event, meta, position } as RecordedEvent;
}

/**
 * Streams only Spear's own services may write (NATS permissions: the schedulers write
 * assignments and results, the control services the events): each event was validated when it
 * was written, so reading it again need not.
 */
const ownStreams: ReadonlySet<string> = new Set([streamNames.assign, streamNames.results, streamNames.events]);

/**
 * Decodes a stored message of one of Spear's own streams without checking its body against the
 * schema again (the writer did): the envelope is read from the headers by hand and the body
 * parsed. A message of any other stream, one written at an older schema version (upcast and
 * checked), or one whose envelope is not Spear's goes through `decodeRecorded`. A body that is
 * not what its type says can only come from a writer with Spear's rights; a fold that trips
 * over it changes nothing (`applyMessage`).
 */
export function decodeOwn(msg: RawStoredMessage, stream: string): RecordedEvent {
  const h = msg.headers;
  const type = h?.get(H.eventType);
  const version = h?.get(H.schemaVersion);
  const eventId = h?.get(H.eventId);
  const aggregateType = h?.get(H.aggregateType);
  const aggregateId = h?.get(H.aggregateId);
  const occurredAt = h?.get(H.occurredAt);
  if (!ownStreams.has(stream) || !type || !isEventType(type) || version !== String(currentVersion(type)) || !eventId || !aggregateType || !aggregateId || !occurredAt) {
    return decodeRecorded(msg, stream);
  }
  let body: unknown;
  try {
    body = decodeJson(msg.data);
  } catch (cause) {
    throw new SpearError("invalid_event", `message ${stream}#${msg.seq} is not JSON`, undefined, { cause });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new SpearError("invalid_event", `message ${stream}#${msg.seq} is not a JSON object`);
  const correlationId = h?.get(H.correlationId);
  const causationId = h?.get(H.causationId);
  const meta = {
    eventId,
    type,
    schemaVersion: currentVersion(type),
    aggregateType: aggregateType as AggregateType,
    aggregateId,
    occurredAt,
    ...(correlationId ? { correlationId } : {}),
    ...(causationId ? { causationId } : {}),
  };
  return { type, data: body, meta, position: { stream, seq: msg.seq, subject: msg.subject, time: msg.time } } as RecordedEvent;
}

/** The parts of a consumed or fetched message that decoding needs. */
export const rawOf = (m: {
  subject: string;
  seq: number;
  headers?: MsgHdrs | undefined;
  header?: MsgHdrs | undefined;
  data: Uint8Array;
  timestamp: string;
}): RawStoredMessage => ({ subject: m.subject, seq: m.seq, headers: m.headers ?? m.header, data: m.data, time: m.timestamp });
