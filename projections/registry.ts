import { SpearError } from "../domain/errors.js";
import { eventCounts } from "./definitions/event-counts.js";
import type { AnyProjection } from "./projection.js";

/** Every projection `spear projections run|rebuild|status` knows, by name. */
export const projectionRegistry: readonly AnyProjection[] = [eventCounts];

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
