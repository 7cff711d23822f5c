import { subjects } from "../../domain/subjects.js";
import { streamNames } from "../../streams/catalog.js";
import type { Projection } from "../projection.js";

export interface SessionLastNode {
  readonly nodeId: string;
  readonly invocationId: string;
  readonly at: string;
}

/**
 * Where each session's latest call was assigned: the scheduler's spread option avoids that
 * node. Folded from the assignments every scheduler replica publishes, so replicas agree.
 */
export const sessionLastNode: Projection<SessionLastNode> = {
  name: "session-last-node",
  description: "the node of each session's latest assignment",
  stream: streamNames.assign,
  subject: subjects.allAssigns,
  initialState: () => new Map(),
  evolve(docs, event) {
    if (event.type !== "InvocationAssigned" || !event.data.sessionId) return;
    docs.set(event.data.sessionId, { nodeId: event.data.nodeId, invocationId: event.data.invocationId, at: event.meta.occurredAt });
  },
};
