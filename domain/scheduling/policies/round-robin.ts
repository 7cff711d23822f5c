import type { Policy } from "./policy.js";

/** Members in turn: the scan starts after the node the previous decision on this pool chose. */
export const roundRobin: Policy = ({ pool, filter, need, state }) => {
  const key = `rr:${pool.id}`;
  const members = pool.memberIdx;
  const n = members.length;
  const start = state.cursor(key);
  const picks: number[] = [];
  for (let j = 0; j < n && picks.length < need; j++) {
    const i = members[(start + j) % n]!;
    if (!filter.accept(i)) continue;
    if (picks.length === 0) state.moveTo(key, start + j + 1, n);
    picks.push(filter.take(i));
  }
  return picks;
};
