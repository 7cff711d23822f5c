import { describe, expect, it } from "vitest";
import { AdaptiveLimit } from "../../../../services/spearlet/concurrency/adaptive-limit.js";
import { Semaphore } from "../../../../services/spearlet/concurrency/semaphore.js";
import { TokenBucket } from "../../../../services/spearlet/concurrency/token-bucket.js";

describe("semaphore", () => {
  it("grants up to its limit at once and refuses beyond it without waiting", () => {
    const s = new Semaphore(2);
    expect([s.tryAcquire(), s.tryAcquire(), s.tryAcquire()]).toEqual([true, true, false]);
    s.release();
    expect(s.tryAcquire()).toBe(true);
    expect(() => new Semaphore(1).release()).toThrow(RangeError);
  });

  it("keeps permits held when its limit is lowered, and refuses until enough are released", () => {
    const s = new Semaphore(3);
    s.tryAcquire();
    s.tryAcquire();
    s.limit = 1;
    expect([s.inUse, s.available, s.tryAcquire()]).toEqual([2, 0, false]);
    s.release();
    s.release();
    expect(s.tryAcquire()).toBe(true);
  });
});

describe("token bucket", () => {
  it("passes a burst, then refills at its rate from the injected clock", () => {
    let now = 0;
    const b = new TokenBucket({ perSecond: 10, burst: 3 }, () => now);
    expect([b.tryTake(), b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, true, false]);
    expect(b.msUntil()).toBe(100);
    now = 99;
    expect(b.tryTake()).toBe(false);
    now = 100;
    expect(b.tryTake()).toBe(true);
    now = 10_000; // a long quiet spell refills only up to the burst
    expect(b.tokens()).toBe(3);
  });

  it("keeps earned tokens, capped, when its rate changes", () => {
    let now = 0;
    const b = new TokenBucket({ perSecond: 1, burst: 10 }, () => now);
    b.limit = { perSecond: 100, burst: 2 };
    expect(b.tokens()).toBe(2);
    b.tryTake(2);
    now = 10;
    expect(b.tokens()).toBeCloseTo(1);
    expect(() => new TokenBucket({ perSecond: 0, burst: 1 }, () => now)).toThrow(RangeError);
  });
});

describe("adaptive limit (gradient)", () => {
  it("backs off while latency rises above the baseline and recovers when it returns", () => {
    const a = new AdaptiveLimit({ initial: 32, max: 32 });
    const feed = (latencyMs: number, times: number) => {
      for (let i = 0; i < times; i++) a.onSample(latencyMs, a.limit);
    };
    feed(10, 50);
    expect(a.limit).toBe(32);

    const seen: number[] = [];
    for (const latency of [15, 20, 30, 40, 60]) {
      feed(latency, 10);
      seen.push(a.limit);
    }
    // strictly falling while latency keeps rising
    expect(seen).toEqual([...seen].sort((x, y) => y - x));
    expect(new Set(seen).size).toBe(seen.length);
    expect(a.limit).toBeLessThan(16);
    const low = a.limit;

    feed(10, 100);
    expect(a.limit).toBeGreaterThan(low);
    expect(a.limit).toBe(32);
  });

  it("does not back off on latency within the tolerance, never leaves [min, max], and does not grow while unused", () => {
    const a = new AdaptiveLimit({ initial: 8, max: 16, min: 2 });
    for (let i = 0; i < 50; i++) a.onSample(10, 1); // app-limited: 1 in flight of 8
    expect(a.limit).toBe(8);
    for (let i = 0; i < 50; i++) a.onSample(10 + (i % 2) * 4, 8); // ±40 %: tolerated, and used: grows
    expect(a.limit).toBe(16);
    for (let i = 0; i < 300; i++) a.onSample(14 * 1.05 ** i, 16); // 5 % worse with every call
    expect(a.limit).toBe(2);
  });
});
