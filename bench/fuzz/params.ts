import { z } from "zod";

/** The fuzz run's parameters with their defaults; `npm run fuzz -- --params '<json>'` overrides them. */
export const FuzzParams = z.object({
  /** Messages sent in all, spread over the edges by `shares`. */
  messages: z.number().int().min(4).max(1_000_000).default(10_000),
  /** Seeds every random choice: the same seed sends the same messages (print it, pass it back to replay). */
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1_204),
  /** Share of the messages for each edge (normalised). */
  shares: z
    .object({ api: z.number().min(0), invoke: z.number().min(0), http: z.number().min(0), guest: z.number().min(0) })
    .default({ api: 0.3, invoke: 0.35, http: 0.2, guest: 0.15 }),
  /** Messages in flight at once. */
  concurrency: z.number().int().min(1).max(512).default(32),
  /** How long a message may wait for its answer before it counts as a stall. */
  answerTimeoutMs: z.number().int().min(1_000).default(60_000),
  /** How long the consumers get to acknowledge everything after the last answer. */
  settleMs: z.number().int().min(1_000).default(60_000),
  spearlets: z.number().int().min(1).max(8).default(2),
  slots: z.number().int().min(1).max(64).default(4),
  /** The per-call limit of the fuzzed functions, so a guest that hangs costs little. */
  functionTimeoutMs: z.number().int().min(100).default(1_500),
  /** Failed messages kept in the result as evidence, per edge. */
  samples: z.number().int().min(0).max(1_000).default(20),
});
export type FuzzParams = z.output<typeof FuzzParams>;

export const EDGES = ["api", "invoke", "http", "guest"] as const;
export type Edge = (typeof EDGES)[number];
