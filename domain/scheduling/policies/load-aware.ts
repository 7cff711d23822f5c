import type { Policy } from "./policy.js";
import { loadScore, lowestK } from "./scoring.js";

/** Lowest weighted score of cpu, memory and slot use; ties rotate like least-connections. */
export const loadAware: Policy = ({ pool, table, filter, need, state, options }) => {
  const key = `la:${pool.id}`;
  const start = state.cursor(key);
  state.moveTo(key, start + 1, pool.memberIdx.length);
  return lowestK(pool.memberIdx, start, filter, need, (i) => loadScore(table, i, options.loadWeights));
};
