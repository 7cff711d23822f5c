import type { RecordedEvent } from "../../domain/events/envelope.js";
import type { StreamName } from "../../streams/catalog.js";
import type { DocWriter, Projection } from "../projection.js";

/**
 * Documents of aggregates that ended (a session ended, a node deregistered) stay for `keepMs`
 * of event time after `endedAt`, then go: the state, and every snapshot of it, holds what is
 * alive and a recent past, not the whole history.
 */
export interface Retirement<D> {
  /** When the aggregate ended (an ISO instant), or null while it lives. */
  readonly endedAt: (view: D) => string | null;
  readonly keepMs: number;
}

/**
 * About one event in this many sweeps the documents (at any event: aggregates that end
 * rarely, like nodes, must be swept too). Which ones is decided by the event's stream
 * sequence, so every host and every rebuild drops the same documents at the same event, and
 * a snapshot followed by its tail equals the fold from sequence 1.
 */
const SWEEP_ONE_IN = 1_024;
const sweepsAt = (seq: number) => Math.imul(seq, 2_654_435_761) >>> 0 < 2 ** 32 / SWEEP_ONE_IN;

function sweep<D>(docs: DocWriter<D>, retire: Retirement<D>, now: string): void {
  // Instants are ISO strings in UTC: their order is the order of the strings.
  const before = new Date(Date.parse(now) - retire.keepMs).toISOString();
  const expired: string[] = [];
  for (const key of docs.keys()) {
    const endedAt = retire.endedAt(docs.get(key)!);
    if (endedAt !== null && endedAt < before) expired.push(key);
  }
  for (const key of expired) docs.delete(key);
}

/**
 * A projection with one document per aggregate, folded by a domain view function
 * (`evolveNodeView`, `evolveFunctionView`, ...): the document's key is the aggregate id.
 */
export function viewProjection<D>(def: {
  name: string;
  description: string;
  stream: StreamName;
  subject: string;
  evolve: (view: D | undefined, event: RecordedEvent) => D | undefined;
  retire?: Retirement<D>;
  /** See `Projection.latestPerSubject`; a view with `retire` sweeps by sequence, so it cannot be. */
  latestPerSubject?: boolean;
}): Projection<D> {
  const { retire } = def;
  if (retire && def.latestPerSubject) throw new Error(`projection ${def.name}: a view that retires documents cannot be read latest per subject`);
  return {
    name: def.name,
    description: def.description,
    stream: def.stream,
    subject: def.subject,
    latestPerSubject: def.latestPerSubject ?? false,
    initialState: () => new Map(),
    evolve(docs, event) {
      const key = event.meta.aggregateId;
      const before = docs.get(key);
      const after = def.evolve(before, event);
      if (after === before) return;
      if (after === undefined) docs.delete(key);
      else docs.set(key, after);
      if (retire && sweepsAt(event.position.seq)) sweep(docs, retire, event.meta.occurredAt);
    },
  };
}
