import { describe, expect, it } from "vitest";
import { isSpearError, type SpearError } from "../../../../domain/errors.js";
import { ConcurrencyController, type AdmitRequest, type Permit } from "../../../../services/spearlet/concurrency/controller.js";

const refusal = (f: () => unknown): SpearError => {
  try {
    f();
  } catch (e) {
    if (isSpearError(e)) return e;
    throw e;
  }
  throw new Error("expected a refusal");
};

const req = (fn: string, over: Partial<AdmitRequest> = {}): AdmitRequest => ({ function: fn, maxConcurrency: 100, ...over });

describe("concurrency controller", () => {
  it("refuses at once with saturated when the node is full, and admits again after a release", () => {
    const cc = new ConcurrencyController({ global: 2 });
    const a = cc.admit(req("f"));
    cc.admit(req("g"));
    const e = refusal(() => cc.admit(req("h")));
    expect(e.code).toBe("saturated");
    expect(e.details).toMatchObject({ scope: "global", limit: 2, inFlight: 2 });
    a.release();
    expect(cc.admit(req("h")).function).toBe("h");
  });

  it("limits calls per shared binary across the functions that use it", () => {
    const cc = new ConcurrencyController({ global: 10, perBinary: 2 });
    const sha = "d".repeat(64);
    const held = [cc.admit(req("f", { binary: sha })), cc.admit(req("g", { binary: sha }))];
    expect(refusal(() => cc.admit(req("h", { binary: sha }))).details).toMatchObject({ scope: "binary", limit: 2 });
    expect(cc.admit(req("h", { binary: "e".repeat(64) }))).toBeDefined();
    expect(cc.stats().binaries).toEqual([
      { sha256: sha, inFlight: 2, limit: 2 },
      { sha256: "e".repeat(64), inFlight: 1, limit: 2 },
    ]);
    for (const p of held) p.release();
    expect(cc.stats().binaries.map((b) => b.sha256)).toEqual(["e".repeat(64)]);
  });

  it("limits calls per function to its maxConcurrency, following a changed limit", () => {
    const cc = new ConcurrencyController({ global: 10, adaptive: { enabled: false } });
    const held = [cc.admit(req("f", { maxConcurrency: 2 })), cc.admit(req("f", { maxConcurrency: 2 }))];
    expect(refusal(() => cc.admit(req("f", { maxConcurrency: 2 }))).details).toMatchObject({ scope: "function", limit: 2, inFlight: 2 });
    expect(cc.admit(req("f", { maxConcurrency: 3 })).inFlightAtStart).toBe(3);
    expect(refusal(() => cc.admit(req("f", { maxConcurrency: 3 }))).code).toBe("saturated");
    held[0]?.release();
    expect(cc.admit(req("f", { maxConcurrency: 3 }))).toBeDefined();
  });

  it("refuses with rate_limited and the time until the next token, then admits after the refill", () => {
    let now = 0;
    const cc = new ConcurrencyController({ global: 10 }, { now: () => now });
    const rate = { perSecond: 2, burst: 2 };
    cc.admit(req("f", { rate })).release();
    cc.admit(req("f", { rate })).release();
    const e = refusal(() => cc.admit(req("f", { rate })));
    expect(e.code).toBe("rate_limited");
    expect(e.details).toMatchObject({ scope: "rate", retryAfterMs: 500 });
    now = 500;
    expect(cc.admit(req("f", { rate }))).toBeDefined();
    expect(cc.stats().refused).toMatchObject({ rate: 1 });
  });

  it("applies the node's default rate to functions that name none", () => {
    const cc = new ConcurrencyController({ global: 10, defaultRate: { perSecond: 1, burst: 1 } }, { now: () => 0 });
    cc.admit(req("f")).release();
    expect(refusal(() => cc.admit(req("f"))).code).toBe("rate_limited");
  });

  it("spends no token and no permit on a refused call", () => {
    const cc = new ConcurrencyController({ global: 1 }, { now: () => 0 });
    const rate = { perSecond: 1, burst: 1 };
    const held = cc.admit(req("other"));
    expect(refusal(() => cc.admit(req("f", { rate }))).code).toBe("saturated");
    held.release();
    // the token is still there
    expect(cc.admit(req("f", { rate }))).toBeDefined();
    expect(cc.inFlight).toBe(1);
  });

  it("releases a permit once however often release is called", () => {
    const cc = new ConcurrencyController({ global: 1 });
    const p = cc.admit(req("f"));
    p.release();
    p.release();
    expect(cc.inFlight).toBe(0);
    cc.admit(req("f"));
    expect(refusal(() => cc.admit(req("f"))).code).toBe("saturated");
  });

  it("lowers a function's adaptive limit as its latency rises, refusing early, and raises it again as latency recovers", () => {
    const cc = new ConcurrencyController({ global: 100, adaptive: { enabled: true } });
    const f = req("f", { maxConcurrency: 16 });
    // Runs `n` calls at once, each finishing with `latencyMs`; returns how many were admitted.
    const wave = (n: number, latencyMs: number) => {
      const permits: Permit[] = [];
      for (let i = 0; i < n; i++) {
        try {
          permits.push(cc.admit(f));
        } catch (e) {
          if (!isSpearError(e, "saturated")) throw e;
        }
      }
      for (const p of permits) p.release({ latencyMs });
      return permits.length;
    };
    for (let i = 0; i < 10; i++) expect(wave(16, 20)).toBe(16);
    for (let i = 0; i < 10; i++) wave(16, 200);
    const limited = cc.stats().functions[0]?.adaptiveLimit ?? 0;
    expect(limited).toBeLessThan(8);
    expect(wave(16, 200)).toBeLessThanOrEqual(limited);
    const held = Array.from({ length: limited }, () => cc.admit(f));
    expect(refusal(() => cc.admit(f)).details).toMatchObject({ scope: "adaptive", limit: limited, inFlight: limited });
    for (const p of held) p.release();

    for (let i = 0; i < 60; i++) wave(16, 20);
    expect(cc.stats().functions[0]?.adaptiveLimit).toBe(16);
    expect(wave(16, 20)).toBe(16);
  });

  it("reports what it holds and forgets a deleted function", () => {
    const cc = new ConcurrencyController({ global: 4, adaptive: { enabled: false } }, { now: () => 0 });
    const p = cc.admit(req("f", { maxConcurrency: 3, rate: { perSecond: 5, burst: 5 } }));
    expect(cc.stats()).toEqual({
      global: { limit: 4, inFlight: 1 },
      functions: [{ function: "f", inFlight: 1, limit: 3, rate: { perSecond: 5, burst: 5, tokens: 4 } }],
      binaries: [],
      refused: { global: 0, binary: 0, function: 0, adaptive: 0, rate: 0 },
    });
    cc.forget("f");
    expect(cc.stats().functions).toEqual([]);
    p.release();
    expect(cc.inFlight).toBe(0);
  });

  it("refuses invalid settings with invalid_config", () => {
    expect(refusal(() => new ConcurrencyController({ global: 0 })).code).toBe("invalid_config");
    expect(refusal(() => new ConcurrencyController({ global: 1, adaptive: { shortWindow: 50, longWindow: 10 } })).code).toBe("invalid_config");
  });
});
