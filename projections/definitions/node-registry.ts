import { evolveNodeView, type NodeView } from "../../domain/node/view.js";
import { subjects } from "../../domain/subjects.js";
import { streamNames } from "../../streams/catalog.js";
import { viewProjection } from "./view-projection.js";

/** Every node by id, as its control events describe it (deregistered nodes stay a day, marked so). */
export const nodeRegistry = viewProjection<NodeView>({
  name: "node-registry",
  description: "nodes by id: capabilities, capacity, state",
  stream: streamNames.events,
  subject: subjects.eventsOf("node"),
  evolve: evolveNodeView,
  retire: { endedAt: (n) => n.deregisteredAt, keepMs: 24 * 3_600_000 },
});
