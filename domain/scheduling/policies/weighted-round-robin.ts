import { weightedAt, weightedLength } from "../weighted-order.js";
import type { Policy } from "./policy.js";

/**
 * Interleaved weighted round-robin over the pool's precomputed weighted order: a node of
 * weight w comes up w times per cycle. The walk is bounded to a few laps of the members; when
 * most nodes are filtered out, a plain pass over the members finishes the list.
 */
export const weightedRoundRobin: Policy = ({ pool, filter, need, state }) => {
  const key = `wrr:${pool.id}`;
  const length = weightedLength(pool.weighted);
  const picks: number[] = [];
  if (length === 0) return picks;
  const start = state.cursor(key);
  const bound = Math.min(length, pool.memberIdx.length * 4);
  for (let step = 0; step < bound && picks.length < need; step++) {
    const i = weightedAt(pool.weighted, start + step);
    if (!filter.accept(i)) continue;
    if (picks.length === 0) state.moveTo(key, start + step + 1, length);
    picks.push(filter.take(i));
  }
  for (let j = 0; bound < length && j < pool.memberIdx.length && picks.length < need; j++) {
    const i = pool.memberIdx[j]!;
    if (filter.accept(i)) picks.push(filter.take(i));
  }
  return picks;
};
