import { z } from "zod";
import { PlacementPolicy } from "../events/function.js";

/** Tunables of the placement decision; the scheduler validates them at start-up. */
export const PlaceOptions = z.object({
  /**
   * Nodes above these usage thresholds take no new work. CPU is off by default (100): slots
   * bound a node's work, and a node busy with the calls it was given is doing its job; gating
   * on it makes the scheduler idle its own slots. Memory is on: running out of it kills calls.
   */
  maxCpuPercent: z.number().min(0).max(100_000).default(100),
  maxMemoryPercent: z.number().min(0).max(100).default(90),
  /** How many nodes one decision hands to the reservation step, best first. */
  maxCandidates: z.number().int().min(1).max(64).default(4),
  /** The policy of functions whose version names none. */
  defaultPolicy: PlacementPolicy.default("warm-affinity"),
  /** Sample size of the power-of-k policy. */
  powerOfK: z.number().int().min(1).max(16).default(2),
  /** Weights of cpu, memory and slot use in the load score (lower score = less loaded). */
  loadWeights: z
    .object({ cpu: z.number().min(0), memory: z.number().min(0), slots: z.number().min(0) })
    .default({ cpu: 0.4, memory: 0.3, slots: 0.3 }),
});
export type PlaceOptions = z.infer<typeof PlaceOptions>;

export const defaultPlaceOptions: PlaceOptions = PlaceOptions.parse({});
