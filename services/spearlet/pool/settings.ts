import { z } from "zod";
import { Duration } from "../../config.js";
import { AllocationStrategy } from "./allocation.js";

/** How one function version's pool behaves; the node's defaults, overridable per pool. */
export const InstancePoolSettings = z.object({
  strategy: AllocationStrategy.default("least-connections"),
  /** Calls one instance serves at once (1 unless its runtime multiplexes calls). */
  instanceConcurrency: z.coerce.number().int().min(1).max(1_000).default(1),
  /** A Ready instance idle this long cools down to Paused (the warm tier). */
  coolAfter: Duration.default(30_000),
  /** Consecutive failed calls after which an instance is recycled. */
  recycleAfterErrors: z.coerce.number().int().min(1).default(3),
  /** Weight of the newest call in an instance's response-time average (0..1]. */
  responseTimeAlpha: z.coerce.number().gt(0).max(1).default(0.3),
  /** First wait before refilling again after an instance failed to start; doubles up to `refillBackoffMax`. */
  refillBackoff: Duration.default(1_000),
  refillBackoffMax: Duration.default(60_000),
});
export type InstancePoolSettings = z.output<typeof InstancePoolSettings>;
export type InstancePoolSettingsInput = z.input<typeof InstancePoolSettings>;

/** The node-wide side: housekeeping cadence and memory pressure. */
export const PoolManagerSettings = z
  .object({
    pool: InstancePoolSettings.prefault({}),
    /** How often idle reclamation, memory pressure and refills are checked. */
    sweepEvery: Duration.default(1_000),
    /** Node memory use (percent) at or above which idle instances are terminated. */
    memoryHighPercent: z.coerce.number().gt(0).max(100).default(90),
    /** Pools refill to minWarm only while memory use is below this (hysteresis against thrashing). */
    memoryRefillBelowPercent: z.coerce.number().gt(0).max(100).default(85),
  })
  .refine((s) => s.memoryRefillBelowPercent <= s.memoryHighPercent, "memoryRefillBelowPercent must not exceed memoryHighPercent");
export type PoolManagerSettings = z.output<typeof PoolManagerSettings>;
export type PoolManagerSettingsInput = z.input<typeof PoolManagerSettings>;
