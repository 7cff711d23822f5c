import { z } from "zod";
import { EventId, Instant } from "../ids.js";
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
