import { z } from "zod";
import { PlaceOptions } from "../../domain/scheduling/options.js";
import { Duration } from "../config.js";

/** `spear scheduler` settings, validated at start-up. */
export const SchedulerConfig = z.object({
  /** Attempts an invocation gets before it is dead-lettered. */
  maxAttempts: z.coerce.number().int().min(1).max(20).default(3),
  /** Refusals (a node saturated or draining) an invocation may meet before it is dead-lettered. */
  maxRefusals: z.coerce.number().int().min(0).max(1_000).default(10),
  /** How long a reserved slot waits for its spearlet to start the call (the lease TTL before commit). */
  pickupTimeout: Duration.default(10_000),
  /** How long a request may wait for capacity, from its first submission, before `no_capacity`. */
  queueTimeout: Duration.default(30_000),
  /** Requests one replica holds while they wait for capacity; beyond that they are redelivered later. */
  maxQueued: z.coerce.number().int().min(1).max(100_000).default(1_000),
  /** Placements one replica works on at once. */
  concurrency: z.coerce.number().int().min(1).max(1_024).default(64),
  /** How often expired leases are looked for. */
  reaperInterval: Duration.default(250),
  /** How far back the assignment log is read to rebuild leases after Redis lost them. */
  recoveryWindow: Duration.default(65 * 60_000),
  place: PlaceOptions.default(PlaceOptions.parse({})),
});
export type SchedulerConfig = z.infer<typeof SchedulerConfig>;
export type SchedulerConfigInput = z.input<typeof SchedulerConfig>;
