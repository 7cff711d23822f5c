/**
 * Interleaved weighted round-robin as a virtual sequence that is never materialised: round r
 * (1-based) visits, in order, every node whose weight is at least r. With the nodes sorted by
 * weight, round r is a prefix of that order, so a position maps to a node by a binary search
 * over the round boundaries: O(log maxWeight) per step, O(n log n) to build.
 */
export interface WeightedOrder {
  /** Node numbers by weight, heaviest first. */
  readonly order: Int32Array;
  /** `roundEnds[r]` = positions covered by rounds 1..r+1; the last one is the sequence length. */
  readonly roundEnds: readonly number[];
}

/** Weights are reduced by their gcd and capped, which bounds the sequence at 100 × members. */
export const MAX_WEIGHT = 100;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export function weightedOrder(members: ArrayLike<number>, weightOf: (member: number) => number): WeightedOrder {
  const weights = Array.from(members, (m) => Math.max(1, Math.round(weightOf(m))));
  const g = weights.reduce((acc, w) => gcd(w, acc), 0) || 1;
  const scaled = weights.map((w) => Math.min(MAX_WEIGHT, w / g));
  const positions = Array.from(scaled, (_, k) => k).sort((a, b) => scaled[b]! - scaled[a]!);
  const order = Int32Array.from(positions, (k) => members[k]!);
  const sortedWeights = positions.map((k) => scaled[k]!);
  const roundEnds: number[] = [];
  let size = order.length;
  let end = 0;
  for (let r = 1; r <= (sortedWeights[0] ?? 0); r++) {
    while (size > 0 && sortedWeights[size - 1]! < r) size--;
    end += size;
    roundEnds.push(end);
  }
  return { order, roundEnds };
}

export const weightedLength = (w: WeightedOrder): number => w.roundEnds[w.roundEnds.length - 1] ?? 0;

/** The node at `position` (taken modulo the sequence length) of the virtual sequence. */
export function weightedAt(w: WeightedOrder, position: number): number {
  const length = weightedLength(w);
  const p = ((position % length) + length) % length;
  let lo = 0;
  let hi = w.roundEnds.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (w.roundEnds[mid]! > p) hi = mid;
    else lo = mid + 1;
  }
  const start = lo === 0 ? 0 : w.roundEnds[lo - 1]!;
  return w.order[p - start]!;
}
