import { z } from "zod";

export const AllocationStrategy = z.enum(["round-robin", "least-connections", "least-response-time"]);
export type AllocationStrategy = z.infer<typeof AllocationStrategy>;

/** What a strategy sees of a hot instance that can take one more call. */
export interface InstanceCandidate {
  /** Position in the pool's creation order; ties go to the lowest. */
  readonly order: number;
  readonly inFlight: number;
  /** Moving average of the instance's call durations; undefined before its first call. */
  readonly responseMs: number | undefined;
}

export interface Allocator {
  readonly strategy: AllocationStrategy;
  /** Picks one of `candidates` (given in creation order), or undefined when there are none. */
  pick<C extends InstanceCandidate>(candidates: readonly C[]): C | undefined;
}

/**
 * The three ways a pool picks among its hot instances (seed 000).
 * - round-robin: the next instance after the last one picked, in creation order, wrapping.
 * - least-connections: the fewest calls in flight. With one call per instance every candidate
 *   is idle, so it picks the oldest idle one: load stays on few instances and the rest cool
 *   down and are reclaimed.
 * - least-response-time: the lowest `responseMs × (inFlight + 1)`, an instance with no sample
 *   yet counting as 0 so that it gets measured.
 */
export function createAllocator(strategy: AllocationStrategy): Allocator {
  switch (strategy) {
    case "round-robin": {
      let last = -1;
      return {
        strategy,
        pick(candidates) {
          const next = candidates.find((c) => c.order > last) ?? candidates[0];
          if (next) last = next.order;
          return next;
        },
      };
    }
    case "least-connections":
      return { strategy, pick: (candidates) => lowest(candidates, (c) => c.inFlight) };
    case "least-response-time":
      return { strategy, pick: (candidates) => lowest(candidates, (c) => (c.responseMs ?? 0) * (c.inFlight + 1)) };
  }
}

function lowest<C>(items: readonly C[], score: (c: C) => number): C | undefined {
  let best: C | undefined;
  let bestScore = Infinity;
  for (const item of items) {
    const s = score(item);
    if (s < bestScore) {
      best = item;
      bestScore = s;
    }
  }
  return best;
}
