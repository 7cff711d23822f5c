import { describe, expect, it } from "vitest";
import { createAllocator, type InstanceCandidate } from "../../../../services/spearlet/pool/allocation.js";
import { callOpts, poolFixture, settle } from "./helpers.js";

const c = (order: number, inFlight = 0, responseMs?: number): InstanceCandidate => ({ order, inFlight, responseMs });

describe("allocation strategies", () => {
  it("round-robin takes the next instance after the last one picked, wrapping, across changing candidates", () => {
    const rr = createAllocator("round-robin");
    const all = [c(0), c(1), c(2)];
    expect([rr.pick(all), rr.pick(all), rr.pick(all), rr.pick(all)].map((x) => x?.order)).toEqual([0, 1, 2, 0]);
    expect(rr.pick([c(0), c(2)])?.order).toBe(2);
    expect(rr.pick([c(0), c(2)])?.order).toBe(0);
    expect(rr.pick([])).toBeUndefined();
  });

  it("least-connections takes the fewest calls in flight, the oldest on a tie", () => {
    const lc = createAllocator("least-connections");
    expect(lc.pick([c(0, 2), c(1, 1), c(2, 1)])?.order).toBe(1);
    expect(lc.pick([c(0, 0), c(1, 0)])?.order).toBe(0);
  });

  it("least-response-time takes the lowest average × load, measuring unsampled instances first", () => {
    const lrt = createAllocator("least-response-time");
    expect(lrt.pick([c(0, 0, 50), c(1, 0, 10), c(2, 0, 30)])?.order).toBe(1);
    expect(lrt.pick([c(0, 0, 50), c(1, 0, 10), c(2, 0)])?.order).toBe(2);
    // 10 ms with 5 calls in flight scores 60, worse than 50 ms idle
    expect(lrt.pick([c(0, 0, 50), c(1, 5, 10)])?.order).toBe(0);
  });
});

describe("allocation in a pool", () => {
  it("round-robin spreads sequential calls over the hot instances", async () => {
    const { pool } = poolFixture({ scaling: { minWarm: 3 }, settings: { strategy: "round-robin" } });
    await pool.prewarm();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await pool.invoke({ echo: i }, callOpts)).instanceId);
    expect(ids).toEqual(["fn-1-1", "fn-1-2", "fn-1-3", "fn-1-1", "fn-1-2"]);
  });

  it("least-connections keeps sequential calls on the oldest idle instance and spreads concurrent ones by load", async () => {
    const { pool, runtime } = poolFixture({ scaling: { minWarm: 2, maxInstances: 2 }, settings: { strategy: "least-connections", instanceConcurrency: 2 } });
    await pool.prewarm();
    for (let i = 0; i < 3; i++) expect((await pool.invoke({ echo: i }, callOpts)).instanceId).toBe("fn-1-1");

    const held = [pool.invoke({ wait: "a" }, callOpts), pool.invoke({ wait: "a" }, callOpts), pool.invoke({ wait: "a" }, callOpts)];
    await settle();
    expect([runtime.byId("fn-1-1").running, runtime.byId("fn-1-2").running]).toEqual([2, 1]);
    // fn-1-1 is full (2 of 2); fn-1-2 has room for one more
    const fourth = pool.invoke({ wait: "a" }, callOpts);
    await settle();
    expect(runtime.byId("fn-1-2").running).toBe(2);
    expect(pool.summary()).toMatchObject({ busy: 2, ready: 0 });
    runtime.gate("a").open();
    const ids = (await Promise.all([...held, fourth])).map((r) => r.instanceId);
    expect(ids).toEqual(["fn-1-1", "fn-1-2", "fn-1-1", "fn-1-2"]);
  });

  it("least-response-time prefers the instance with the faster recent calls", async () => {
    const { pool } = poolFixture({ scaling: { minWarm: 2 }, settings: { strategy: "least-response-time" } });
    await pool.prewarm();
    const ids: string[] = [];
    ids.push((await pool.invoke({ durationMs: 50 }, callOpts)).instanceId); // both unmeasured: the oldest
    ids.push((await pool.invoke({ durationMs: 5 }, callOpts)).instanceId); // the unmeasured one
    ids.push((await pool.invoke({ durationMs: 5 }, callOpts)).instanceId); // 5 ms beats 50 ms
    ids.push((await pool.invoke({ durationMs: 5 }, callOpts)).instanceId);
    expect(ids).toEqual(["fn-1-1", "fn-1-2", "fn-1-2", "fn-1-2"]);
  });
});
