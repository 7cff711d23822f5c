import { z } from "zod";
import { EventId, Instant, isInstant } from "../ids.js";
import { AggregateType, type DomainEvent } from "./catalog.js";

/** Everything about an event except its body; carried in NATS headers (see domain/headers.ts). */
export const EventMeta = z.object({
  eventId: EventId,
  type: z.string().min(1),
  schemaVersion: z.number().int().min(1),
  aggregateType: AggregateType,
  aggregateId: z.string().min(1),
  occurredAt: Instant,
  correlationId: z.string().min(1).optional(),
  causationId: z.string().min(1).optional(),
});
export type EventMeta = z.infer<typeof EventMeta>;

const optionalId = (v: unknown): boolean => v === undefined || (typeof v === "string" && v.length >= 1);

/**
 * True only for an object of EventMeta's keys and no other (the optional ones may be undefined)
 * that it parses to an equal value. Every envelope read is checked and nearly all are
 * well-formed: they skip the parse, which is left to tell what is wrong with the others.
 */
export function isPlainMeta(m: { readonly [K in keyof EventMeta]?: unknown }): m is EventMeta {
  return (
    typeof m.eventId === "string" &&
    m.eventId.length >= 1 &&
    m.eventId.length <= 128 &&
    typeof m.type === "string" &&
    m.type.length >= 1 &&
    Number.isSafeInteger(m.schemaVersion) &&
    (m.schemaVersion as number) >= 1 &&
    typeof m.aggregateType === "string" &&
    (AggregateType.options as readonly string[]).includes(m.aggregateType) &&
    typeof m.aggregateId === "string" &&
    m.aggregateId.length >= 1 &&
    isInstant(m.occurredAt) &&
    optionalId(m.correlationId) &&
    optionalId(m.causationId)
  );
}

/** Where a stored event sits: its stream, sequence, subject and the server's timestamp. */
export interface StreamPosition {
  readonly stream: string;
  readonly seq: number;
  readonly subject: string;
  readonly time: string;
}

export type RecordedEvent<E extends DomainEvent = DomainEvent> = E & {
  readonly meta: EventMeta;
  readonly position: StreamPosition;
};

export interface AggregateRef<A extends AggregateType = AggregateType> {
  readonly type: A;
  readonly id: string;
}
