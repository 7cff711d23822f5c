import { z } from "zod";

/**
 * Latencies kept as counts per bucket, so percentiles survive folding (a mean does, a p99 does
 * not) at a bounded cost: bucket `i` holds the values in (2^((i-1)/4), 2^(i/4)] ms, four buckets
 * per doubling, so a percentile read from it is at most 19 % above the true value; bucket 0 holds
 * everything up to 1 ms. Sparse: only buckets that were hit are keys.
 */
export const LatencyHistogram = z.record(z.string().regex(/^\d{1,3}$/), z.number().int().positive());
export type LatencyHistogram = z.infer<typeof LatencyHistogram>;

const STEPS_PER_DOUBLING = 4;
/** 2^(160/4) ms is far beyond any timeout; larger values land in the last bucket. */
const MAX_BUCKET = 160;

export const latencyBucket = (ms: number): number =>
  ms <= 1 ? 0 : Math.min(MAX_BUCKET, Math.ceil(STEPS_PER_DOUBLING * Math.log2(ms) - 1e-9));

const bucketUpperMs = (i: number): number => Math.round(2 ** (i / STEPS_PER_DOUBLING) * 10) / 10;

/** A new histogram with one more value (the one given is not changed). */
export function withLatency(h: LatencyHistogram | undefined, ms: number): LatencyHistogram {
  const key = String(latencyBucket(ms));
  return { ...h, [key]: (h?.[key] ?? 0) + 1 };
}

export const Percentiles = z.object({ p50: z.number().nonnegative(), p95: z.number().nonnegative(), p99: z.number().nonnegative() });
export type Percentiles = z.infer<typeof Percentiles>;

/** p50, p95 and p99 in ms (each its bucket's upper bound); null for an empty histogram. */
export function percentilesOf(h: LatencyHistogram | undefined): Percentiles | null {
  const buckets = Object.entries(h ?? {})
    .map(([k, n]) => [Number(k), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const count = buckets.reduce((s, [, n]) => s + n, 0);
  if (count === 0) return null;
  const at = (q: number): number => {
    const rank = Math.ceil(q * count);
    let seen = 0;
    for (const [i, n] of buckets) {
      seen += n;
      if (seen >= rank) return bucketUpperMs(i);
    }
    return bucketUpperMs(buckets[buckets.length - 1]![0]);
  };
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}
