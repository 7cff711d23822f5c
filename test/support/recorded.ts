import type { AggregateType, DomainEvent } from "../../domain/events/catalog.js";
import type { RecordedEvent } from "../../domain/events/envelope.js";

/**
 * Turns plain events into recorded ones for view tests: consecutive stream sequences and
 * occurrence times one second apart from `start`, unless an event gives its own time.
 */
export function recorder(aggregateType: AggregateType, start = "2030-01-01T00:00:00.000Z", stream = "SPEAR_EVENTS") {
  let seq = 0;
  let clock = Date.parse(start);
  return (aggregateId: string, event: DomainEvent, at?: string): RecordedEvent => {
    seq += 1;
    const time = at ?? new Date(clock).toISOString();
    clock = Date.parse(time) + 1_000;
    return {
      ...event,
      meta: { eventId: `e${seq}`, type: event.type, schemaVersion: 1, aggregateType, aggregateId, occurredAt: time },
      position: { stream, seq, subject: `spear.evt.${aggregateType}.${aggregateId}`, time },
    } as RecordedEvent;
  };
}
