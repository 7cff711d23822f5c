import { streamNames } from "../../streams/catalog.js";
import { subjects } from "../../domain/subjects.js";
import type { Projection } from "../projection.js";

export interface EventCounts {
  readonly total: number;
  readonly byType: Readonly<Record<string, number>>;
  readonly byAggregate: Readonly<Record<string, number>>;
  readonly lastSeq: number;
  readonly lastEventAt: string | null;
}

const empty: EventCounts = { total: 0, byType: {}, byAggregate: {}, lastSeq: 0, lastEventAt: null };

/** How many control events of each type and aggregate the log holds: a cheap health view of the log. */
export const eventCounts: Projection<EventCounts> = {
  name: "event-counts",
  description: "control events counted by type and aggregate",
  stream: streamNames.events,
  subject: subjects.allEvents,
  initialState: () => new Map([["totals", empty]]),
  evolve(docs, event) {
    const c = docs.get("totals") ?? empty;
    docs.set("totals", {
      total: c.total + 1,
      byType: { ...c.byType, [event.type]: (c.byType[event.type] ?? 0) + 1 },
      byAggregate: { ...c.byAggregate, [event.meta.aggregateType]: (c.byAggregate[event.meta.aggregateType] ?? 0) + 1 },
      lastSeq: event.position.seq,
      lastEventAt: event.meta.occurredAt,
    });
  },
};
