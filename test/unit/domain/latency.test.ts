import { describe, expect, it } from "vitest";
import { latencyBucket, percentilesOf, withLatency, type LatencyHistogram } from "../../../domain/invocation/latency.js";

describe("latency histograms", () => {
  it("reads percentiles at most 19 % above the true values", () => {
    let h: LatencyHistogram | undefined;
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    for (const v of values) h = withLatency(h, v);
    const p = percentilesOf(h)!;
    for (const [got, want] of [
      [p.p50, 500],
      [p.p95, 950],
      [p.p99, 990],
    ] as const) {
      expect(got).toBeGreaterThanOrEqual(want);
      expect(got).toBeLessThanOrEqual(want * 1.19);
    }
  });

  it("keeps sub-millisecond values in the first bucket, huge ones in the last, and an empty histogram has none", () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(1)).toBe(0);
    expect(latencyBucket(2)).toBe(4);
    expect(latencyBucket(Number.MAX_SAFE_INTEGER)).toBe(160);
    expect(percentilesOf(undefined)).toBeNull();
    expect(percentilesOf({})).toBeNull();
    expect(percentilesOf(withLatency(undefined, 0.2))).toEqual({ p50: 1, p95: 1, p99: 1 });
  });

  it("does not change the histogram it is given", () => {
    const h = withLatency(undefined, 10);
    const copy = { ...h };
    withLatency(h, 10);
    expect(h).toEqual(copy);
  });
});
