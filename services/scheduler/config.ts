import { z } from "zod";
import { PlaceOptions } from "../../domain/scheduling/options.js";
import { Duration } from "../config.js";
import { LONGEST_LEASE_WINDOW_MS } from "../leases/lease.js";

/** `spear scheduler` settings, validated at start-up. */
export const SchedulerConfig = z.object({
  /** Attempts an invocation gets before it is dead-lettered. */
  maxAttempts: z.coerce.number().int().min(1).max(20).default(3),
  /** Refusals (a node saturated or draining) an invocation may meet before it is dead-lettered. */
  maxRefusals: z.coerce.number().int().min(0).max(1_000).default(10),
  /**
   * How long a reserved slot waits for its spearlet to start the call (the lease TTL before
   * commit); then the call goes elsewhere. A live node commits within milliseconds of delivery,
   * and one that was killed and started again takes its queue back at once.
   */
  pickupTimeout: Duration.default(3_000),
  /**
   * A node that has left a reservation uncommitted for longer than this is not taking its
   * assignments (killed, hung, restarting): new calls go to other nodes until it picks up again.
   * 0 turns the check off.
   */
  stallAfter: Duration.default(500),
  /** How long an attempt may wait for capacity, from when it was requested, before `no_capacity`. */
  queueTimeout: Duration.default(30_000),
  /**
   * The request consumer's ack wait: a request held by a replica that stopped answering (killed,
   * hung) goes to another replica after this. Replicas keep the requests they hold alive at a
   * third of it.
   */
  ackWait: Duration.pipe(z.number().min(1_000, "must be at least 1s")).default(2_000),
  /** Requests one replica holds while they wait for capacity; beyond that they are redelivered later. */
  maxQueued: z.coerce.number().int().min(1).max(100_000).default(1_000),
  /** Placements one replica works on at once. */
  concurrency: z.coerce.number().int().min(1).max(1_024).default(64),
  /** How often expired leases are looked for. */
  reaperInterval: Duration.default(250),
  /** The most the assignment log is read back to rebuild leases after Redis lost them (less when the longest function timeout allows: see liveLeaseWindowMs). */
  recoveryWindow: Duration.default(LONGEST_LEASE_WINDOW_MS),
  place: PlaceOptions.default(PlaceOptions.parse({})),
});
export type SchedulerConfig = z.infer<typeof SchedulerConfig>;
export type SchedulerConfigInput = z.input<typeof SchedulerConfig>;
