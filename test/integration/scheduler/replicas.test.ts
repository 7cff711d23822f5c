import { describe, expect, it } from "vitest";
import { useCluster } from "../../support/cluster.js";

const cluster = useCluster({}, 2);

describe("scheduler: two replicas", () => {
  it("never assign one invocation twice and never exceed a node's slots", async () => {
    await cluster.deploy("r-fn");
    const sims = await Promise.all([cluster.spearlet("r1", 2, { runMs: 40 }), cluster.spearlet("r2", 2, { runMs: 40 }), cluster.spearlet("r3", 3, { runMs: 40 })]);
    const ids = Array.from({ length: 80 }, (_, i) => `r-inv-${i}`);
    const results = await Promise.all(ids.map((id) => cluster.invoke("r-fn", { input: id }, id, 60_000)));

    expect(results.every((r) => r.status === "succeeded")).toBe(true);
    const assigned = sims.flatMap((s) => s.assignments.map((a) => a.invocationId));
    expect(assigned.sort()).toEqual([...ids].sort());
    for (const s of sims) expect(s.maxRunning, s.nodeId).toBeLessThanOrEqual(s.slots);
    // Both replicas did some of the work.
    const placed = cluster.schedulers.map((r) => r.stats().placed);
    expect(placed.reduce((a, b) => a + b, 0)).toBe(80);
    expect(Math.min(...placed)).toBeGreaterThan(0);
  });
});
