import { initialPoolIndex, type PoolIndexDoc } from "../../domain/pool/index-docs.js";
import { evolvePoolIndex } from "../../domain/pool/index-evolve.js";
import { subjects } from "../../domain/subjects.js";
import { streamNames } from "../../streams/catalog.js";
import type { Projection } from "../projection.js";

/**
 * Pools with their members, nodes by language and service (`domain/pool/index-evolve.ts`).
 * It needs both the node and the pool aggregates, so it reads one subject filter,
 * `spear.evt.>`, and the fold ignores the rest.
 */
export const poolIndex: Projection<PoolIndexDoc> = {
  name: "pool-index",
  description: "pools with their members; nodes by language and service",
  stream: streamNames.events,
  subject: subjects.allEvents,
  initialState: initialPoolIndex,
  evolve: evolvePoolIndex,
};
