import type { RecordedEvent } from "../../domain/events/envelope.js";
import type { StreamName } from "../../streams/catalog.js";
import type { Projection } from "../projection.js";

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
}): Projection<D> {
  return {
    name: def.name,
    description: def.description,
    stream: def.stream,
    subject: def.subject,
    initialState: () => new Map(),
    evolve(docs, event) {
      const key = event.meta.aggregateId;
      const before = docs.get(key);
      const after = def.evolve(before, event);
      if (after === before) return;
      if (after === undefined) docs.delete(key);
      else docs.set(key, after);
    },
  };
}
