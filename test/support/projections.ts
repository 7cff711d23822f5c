import { streamNames } from "../../streams/catalog.js";
import type { Projection } from "../../projections/projection.js";
import type { Nats } from "../../streams/connection.js";
import { EventStore } from "../../streams/event-store.js";

/** Counts NodeDrained events per node: many documents, and any double-applied event shows. */
export const drainsPerNode: Projection<{ drains: number; lastReason: string }> = {
  name: "test-drains-per-node",
  description: "test: NodeDrained events counted per node",
  stream: streamNames.events,
  subject: "spear.evt.node.>",
  initialState: () => new Map(),
  evolve(docs, event) {
    if (event.type !== "NodeDrained") return;
    if (event.data.reason === "poison-in-evolve") throw new Error("this reason is not allowed");
    const id = event.meta.aggregateId;
    const d = docs.get(id);
    docs.set(id, { drains: (d?.drains ?? 0) + 1, lastReason: event.data.reason ?? "" });
  },
};

/** Appends `count` NodeDrained events spread over `nodes` aggregates, many in flight at once. */
export async function appendDrains(nats: Nats, count: number, nodes: number, prefix = "n"): Promise<number> {
  const store = new EventStore(nats.js, nats.jsm);
  let last = 0;
  for (let start = 0; start < count; start += 500) {
    const batch = Array.from({ length: Math.min(500, count - start) }, (_, i) => start + i);
    const results = await Promise.all(
      batch.map((i) =>
        store.append({ type: "node", id: `${prefix}${i % nodes}` }, [{ type: "NodeDrained", data: { reason: `r${i}` } }], { expectedVersion: "any" }),
      ),
    );
    last = Math.max(last, ...results.map((r) => r.version));
  }
  return last;
}
