import type { NodeFilter } from "../node-filter.js";
import type { NodeTable } from "../node-table.js";
import type { PlaceOptions } from "../options.js";

/** Load of node `i` as one number in about [0, 1]: weighted cpu, memory and slot use. Lower is better. */
export const loadScore = (t: NodeTable, i: number, w: PlaceOptions["loadWeights"]): number =>
  (w.cpu * t.cpu[i]!) / 100 + (w.memory * t.memory[i]!) / 100 + (w.slots * t.running[i]!) / t.slots[i]!;

/**
 * The `k` accepted nodes with the lowest score among `members`, scanned from `start` around
 * the list, so equal scores go to whichever comes first from a rotating start. One pass with a
 * sorted buffer of at most k: O(n·k) with k the handful of candidates a decision wants.
 */
export function lowestK(members: ArrayLike<number>, start: number, filter: NodeFilter, k: number, score: (i: number) => number): number[] {
  const n = members.length;
  const best: number[] = [];
  const scores: number[] = [];
  if (k <= 0) return best;
  for (let j = 0; j < n; j++) {
    const i = members[(start + j) % n]!;
    if (!filter.accept(i)) continue;
    const s = score(i);
    if (best.length === k && s >= scores[k - 1]!) continue;
    let at = best.length;
    while (at > 0 && scores[at - 1]! > s) at--;
    best.splice(at, 0, i);
    scores.splice(at, 0, s);
    if (best.length > k) {
      best.pop();
      scores.pop();
    }
  }
  for (const i of best) filter.take(i);
  return best;
}
