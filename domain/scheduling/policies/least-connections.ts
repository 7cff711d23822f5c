import type { Policy } from "./policy.js";
import { lowestK } from "./scoring.js";

/**
 * Fewest running calls by the latest report. The scan start rotates per decision so that
 * equally idle nodes share the work between two reports instead of the first one taking all.
 */
export const leastConnections: Policy = ({ pool, table, filter, need, state }) => {
  const key = `lc:${pool.id}`;
  const start = state.cursor(key);
  state.moveTo(key, start + 1, pool.memberIdx.length);
  return lowestK(pool.memberIdx, start, filter, need, (i) => table.running[i]!);
};
