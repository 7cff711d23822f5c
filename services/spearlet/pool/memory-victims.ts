import type { IdleInstance, InstancePool } from "./instance-pool.js";

export interface MemoryVictim extends IdleInstance {
  readonly pool: InstancePool;
}

/**
 * The order in which idle instances give way under memory pressure, across all pools: the warm
 * tier (Paused) before the hot one, and within a tier the least recently used first.
 */
export function pickMemoryVictims(pools: readonly InstancePool[]): MemoryVictim[] {
  const tierRank = { warm: 0, hot: 1 } as const;
  return pools
    .flatMap((pool) => pool.idleInstances().map((i) => ({ ...i, pool })))
    .sort((a, b) => tierRank[a.tier] - tierRank[b.tier] || a.idleSince - b.idleSince);
}
