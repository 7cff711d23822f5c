import type { Policy } from "./policy.js";
import { loadScore, lowestK } from "./scoring.js";

/**
 * Nodes that report ready instances of this function version come first (most ready first),
 * so the call skips a cold start; the rest of the list is the least loaded other members.
 */
export const warmAffinity: Policy = ({ pool, table, filter, need, warmKey, nodeIndex, state, options }) => {
  const picks: number[] = [];
  for (const i of nodeIndex.warm.get(warmKey) ?? []) {
    if (picks.length >= need) return picks;
    if (pool.memberSet.has(i) && filter.accept(i)) picks.push(filter.take(i));
  }
  const key = `warm:${pool.id}`;
  const start = state.cursor(key);
  state.moveTo(key, start + 1, pool.memberIdx.length);
  return picks.concat(lowestK(pool.memberIdx, start, filter, need - picks.length, (i) => loadScore(table, i, options.loadWeights)));
};
