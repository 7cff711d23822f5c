import { describe, expect, it } from "vitest";
import { liveLeaseWindowMs, RESULT_PERSIST_MS } from "../../../services/leases/lease.js";

const o = { pickupTimeoutMs: 3_000, maxMs: 65 * 60_000 };

describe("how far back a lease rebuild reads the assignment log", () => {
  it("reads the whole window while no function is known", () => {
    expect(liveLeaseWindowMs([], o)).toBe(o.maxMs);
  });

  it("covers the pickup, a cold start and a run of the longest timeout, and the result's persistence", () => {
    const w = liveLeaseWindowMs([1_000, 10_000, 2_000], o);
    expect(w).toBeGreaterThanOrEqual(3_000 + 2 * 10_000 + 5_000 + RESULT_PERSIST_MS);
    expect(w).toBeLessThan(o.maxMs);
  });

  it("never reads further back than the configured window", () => {
    expect(liveLeaseWindowMs([3_600_000], o)).toBe(o.maxMs);
  });
});
