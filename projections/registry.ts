import { SpearError } from "../domain/errors.js";
import { artifactCatalog } from "./definitions/artifact-catalog.js";
import { eventCounts } from "./definitions/event-counts.js";
import { functionCatalog } from "./definitions/function-catalog.js";
import { invocationStats } from "./definitions/invocation-stats.js";
import { nodeRegistry } from "./definitions/node-registry.js";
import { nodeUsage } from "./definitions/node-usage.js";
import { poolIndex } from "./definitions/pool-index.js";
import { sessionLastNode } from "./definitions/session-last-node.js";
import { sessionTable } from "./definitions/session-table.js";
import type { AnyProjection } from "./projection.js";

/** Every projection `spear projections run|rebuild|status` knows, by name. */
export const projectionRegistry: readonly AnyProjection[] = [
  eventCounts,
  // the control plane's read models (cluster stats are composed from four of them: cluster-stats.ts)
  nodeRegistry,
  nodeUsage,
  functionCatalog,
  artifactCatalog,
  poolIndex,
  sessionTable,
  invocationStats,
  // the scheduler's: where each session's latest call went (for spread)
  sessionLastNode,
];

export function findProjections(names: readonly string[]): AnyProjection[] {
  if (names.length === 0) return [...projectionRegistry];
  return names.map((n) => {
    const p = projectionRegistry.find((x) => x.name === n);
    if (!p) {
      throw new SpearError("unknown_projection", `no projection named '${n}' (known: ${projectionRegistry.map((x) => x.name).join(", ")})`);
    }
    return p;
  });
}
