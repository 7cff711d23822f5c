import { z } from "zod";
import { defaultAdaptiveLimitOptions } from "./adaptive-limit.js";

export const RateLimitSettings = z.object({
  perSecond: z.coerce.number().positive(),
  burst: z.coerce.number().int().min(1),
});

/** The node's concurrency settings, validated at start-up (`parseConfig`). */
export const ConcurrencySettings = z.object({
  /** Calls the node runs at once across all functions; usually its slots. */
  global: z.coerce.number().int().min(1),
  /** Calls that may run at once on one shared binary (sha256) across its functions; unlimited when absent. */
  perBinary: z.coerce.number().int().min(1).optional(),
  /** A rate applied to functions whose admission request names none; none when absent. */
  defaultRate: RateLimitSettings.optional(),
  /**
   * The per-function adaptive limit. Off unless asked for: it refuses calls while the node's slots
   * are free whenever a function's latency rises, and for a function whose latency follows its
   * input rather than its load, that is noise; turn it on for functions that slow down under load.
   */
  adaptive: z
    .object({
      enabled: z.boolean().default(false),
      min: z.coerce.number().int().min(1).default(defaultAdaptiveLimitOptions.min),
      tolerance: z.coerce.number().min(1).default(defaultAdaptiveLimitOptions.tolerance),
      shortWindow: z.coerce.number().int().min(1).default(defaultAdaptiveLimitOptions.shortWindow),
      longWindow: z.coerce.number().int().min(2).default(defaultAdaptiveLimitOptions.longWindow),
      smoothing: z.coerce.number().gt(0).max(1).default(defaultAdaptiveLimitOptions.smoothing),
    })
    .refine((a) => a.longWindow > a.shortWindow, "adaptive.longWindow must be larger than adaptive.shortWindow")
    .default({ enabled: false, ...defaultAdaptiveLimitOptions }),
});
export type ConcurrencySettings = z.output<typeof ConcurrencySettings>;
export type ConcurrencySettingsInput = z.input<typeof ConcurrencySettings>;
