import { randomIndex } from "../random.js";
import type { Policy } from "./policy.js";
import { loadScore } from "./scoring.js";

/**
 * Power of k choices: each pick samples k members at random and keeps the least loaded
 * acceptable one, which avoids both herding and a full scan. After a bounded number of
 * fruitless samples, a pass from a random offset finds whatever acceptable nodes remain.
 */
export const powerOfK: Policy = ({ pool, table, filter, need, rng, options }) => {
  const members = pool.memberIdx;
  const n = members.length;
  const picks: number[] = [];
  if (n === 0) return picks;
  let misses = 0;
  while (picks.length < need && misses < need * 4) {
    let best = -1;
    let bestScore = Infinity;
    for (let j = 0; j < options.powerOfK; j++) {
      const i = members[randomIndex(rng, n)]!;
      if (!filter.accept(i)) continue;
      const s = loadScore(table, i, options.loadWeights);
      if (s < bestScore) {
        best = i;
        bestScore = s;
      }
    }
    if (best >= 0) picks.push(filter.take(best));
    else misses++;
  }
  const offset = randomIndex(rng, n);
  for (let j = 0; j < n && picks.length < need; j++) {
    const i = members[(offset + j) % n]!;
    if (filter.accept(i)) picks.push(filter.take(i));
  }
  return picks;
};
