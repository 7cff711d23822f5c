import { describe, expect, it } from "vitest";
import { callOpts, expectConsistent, poolFixture, rejection, settle } from "./helpers.js";

describe("instance pool", () => {
  it("serves the first call after prewarm from a prewarmed instance, without a cold start", async () => {
    const { pool, events, path } = poolFixture({ scaling: { minWarm: 2 } });
    expect(await pool.prewarm()).toEqual({ started: 2, failed: 0 });
    expect(path("fn-1-1")).toEqual(["Initializing", "WarmingUp", "Ready"]);
    expect(path("fn-1-2")).toEqual(["Initializing", "WarmingUp", "Ready"]);
    const afterPrewarm = events.length;

    const call = await pool.invoke({ echo: { hello: "world" } }, callOpts);
    expect(call).toMatchObject({ coldStart: false, tier: "hot", outcome: { ok: true, output: { hello: "world" } } });
    // Measured in the events: the call started no instance.
    expect(events.slice(afterPrewarm).map((e) => e.to)).toEqual(["Executing", "Ready"]);
    expect(await pool.prewarm()).toEqual({ started: 0, failed: 0 });
    expectConsistent(events);
  });

  it("starts an instance for the first call without prewarm (a cold start) and reuses it hot", async () => {
    const { pool, runtime, path } = poolFixture();
    expect(await pool.invoke({ echo: 1 }, callOpts)).toMatchObject({ coldStart: true, tier: "cold", instanceId: "fn-1-1" });
    expect(await pool.invoke({ echo: 2 }, callOpts)).toMatchObject({ coldStart: false, tier: "hot", instanceId: "fn-1-1" });
    expect(runtime.instances).toHaveLength(1);
    expect(path("fn-1-1")).toEqual(["Initializing", "WarmingUp", "Ready", "Executing", "Ready", "Executing", "Ready"]);
    expect(pool.stats()).toMatchObject({ calls: 2, coldStarts: 1, total: 1, ready: 1, busy: 0 });
  });

  it("gives a call that arrives during a prewarm the instance being started instead of starting another", async () => {
    const { pool, runtime } = poolFixture({ scaling: { minWarm: 1 } });
    runtime.startGate = runtime.gate("start");
    const prewarm = pool.prewarm();
    const call = pool.invoke({ echo: 1 }, callOpts);
    await settle();
    expect(runtime.specs).toHaveLength(1);
    runtime.startGate.open();
    expect(await call).toMatchObject({ instanceId: "fn-1-1", coldStart: true, tier: "cold" });
    expect(await prewarm).toEqual({ started: 1, failed: 0 });
    expect(runtime.specs).toHaveLength(1);
  });

  it("allocates hot before warm before cold, and refuses at once at maxInstances", async () => {
    const { pool, runtime, clock, events, path } = poolFixture({ scaling: { minWarm: 2, maxInstances: 3 }, settings: { coolAfter: 1_000 } });
    await pool.prewarm();
    clock.advance(1_000);
    await pool.reclaimIdle();
    expect(pool.stats()).toMatchObject({ hot: 0, warm: 2 });

    // warm: the instance paused last is resumed
    expect(await pool.invoke({ echo: "a" }, callOpts)).toMatchObject({ tier: "warm", coldStart: false, instanceId: "fn-1-2" });
    expect(runtime.byId("fn-1-2").resumes).toBe(1);
    expect(path("fn-1-2").slice(-4)).toEqual(["Paused", "Ready", "Executing", "Ready"]);

    // hot beats warm
    const b = pool.invoke({ wait: "b" }, callOpts);
    await settle();
    expect(runtime.byId("fn-1-2").running).toBe(1);
    // no hot left: the other paused instance
    const c = pool.invoke({ wait: "c" }, callOpts);
    await settle();
    expect(runtime.byId("fn-1-1").running).toBe(1);
    // none free: a cold start, up to maxInstances
    const d = pool.invoke({ wait: "d" }, callOpts);
    await settle();
    expect(runtime.instances.map((i) => i.id)).toEqual(["fn-1-1", "fn-1-2", "fn-1-3"]);
    // all three busy: refused, not queued
    const refused = await rejection(pool.invoke({ echo: "e" }, callOpts));
    expect(refused.code).toBe("saturated");
    expect(refused.details).toMatchObject({ scope: "instances", limit: 3, inFlight: 3 });
    expect(pool.summary()).toEqual({ function: "fn", version: 1, ready: 0, busy: 3, total: 3 });

    for (const g of ["b", "c", "d"]) runtime.gate(g).open();
    expect((await Promise.all([b, c, d])).map((r) => [r.instanceId, r.tier])).toEqual([
      ["fn-1-2", "hot"],
      ["fn-1-1", "warm"],
      ["fn-1-3", "cold"],
    ]);
    expect(pool.summary()).toEqual({ function: "fn", version: 1, ready: 3, busy: 0, total: 3 });
    expectConsistent(events);
  });

  it("cools idle Ready instances to Paused and terminates Paused ones past the TTL, keeping minWarm", async () => {
    const { pool, runtime, clock, events, path } = poolFixture({
      scaling: { minWarm: 1, maxInstances: 3, idleTtlMs: 10_000 },
      settings: { coolAfter: 1_000 },
    });
    const held = [1, 2, 3].map(() => pool.invoke({ wait: "go" }, callOpts));
    await settle();
    runtime.gate("go").open();
    await Promise.all(held);
    expect(pool.stats()).toMatchObject({ hot: 3, warm: 0 });

    clock.advance(999);
    await pool.reclaimIdle();
    expect(pool.stats()).toMatchObject({ hot: 3, warm: 0 });
    clock.advance(1);
    await pool.reclaimIdle();
    expect(pool.stats()).toMatchObject({ hot: 0, warm: 3, total: 3 });
    expect(runtime.instances.map((i) => i.pauses)).toEqual([1, 1, 1]);
    expect(path("fn-1-1").slice(-3)).toEqual(["Ready", "CoolingDown", "Paused"]);

    clock.advance(9_999);
    await pool.reclaimIdle();
    expect(pool.summary().total).toBe(3);
    clock.advance(1);
    await pool.reclaimIdle();
    expect(pool.summary()).toMatchObject({ total: 1, ready: 1 });
    expect(runtime.instances.filter((i) => i.terminated).map((i) => i.id)).toEqual(["fn-1-1", "fn-1-2"]);
    expect(path("fn-1-1").slice(-3)).toEqual(["Paused", "Terminating", "Terminated"]);
    expect(events.find((e) => e.instanceId === "fn-1-1" && e.to === "Terminating")?.reason).toMatch(/ttl 10000 ms/);

    // the one left is still warm: the next call is not a cold start
    expect(await pool.invoke({ echo: 1 }, callOpts)).toMatchObject({ tier: "warm", coldStart: false, instanceId: "fn-1-3" });
    expectConsistent(events);
  });

  it("still moves through CoolingDown and Paused when the runtime cannot suspend instances", async () => {
    const { pool, runtime, clock, path } = poolFixture({ pausable: false, settings: { coolAfter: 1_000 } });
    await pool.invoke({ echo: 1 }, callOpts);
    clock.advance(1_000);
    await pool.reclaimIdle();
    expect(path("fn-1-1").slice(-2)).toEqual(["CoolingDown", "Paused"]);
    expect(runtime.instances[0]?.pauses).toBe(0);
    expect(await pool.invoke({ echo: 2 }, callOpts)).toMatchObject({ tier: "warm", outcome: { ok: true } });
  });

  it("recycles an instance after N consecutive failed calls and starts a replacement", async () => {
    const { pool, runtime, events, path } = poolFixture({ settings: { recycleAfterErrors: 3 } });
    const fail = { fail: "function_error" } as const;
    await pool.invoke(fail, callOpts);
    await pool.invoke(fail, callOpts);
    await pool.invoke({ echo: "ok" }, callOpts); // a success resets the count
    await pool.invoke(fail, callOpts);
    await pool.invoke(fail, callOpts);
    expect(runtime.byId("fn-1-1").terminated).toBe(false);
    const third = await pool.invoke(fail, callOpts);
    expect(third.outcome.ok).toBe(false);
    await settle();
    expect(runtime.byId("fn-1-1").terminated).toBe(true);
    expect(path("fn-1-1").slice(-4)).toEqual(["Executing", "Error", "Terminating", "Terminated"]);
    expect(events.find((e) => e.instanceId === "fn-1-1" && e.to === "Error")?.reason).toBe("3 consecutive failed calls");
    expect(events.find((e) => e.instanceId === "fn-1-2")?.reason).toBe("replacement");
    expect(path("fn-1-2")).toEqual(["Initializing", "WarmingUp", "Ready"]);
    expect(await pool.invoke({ echo: 1 }, callOpts)).toMatchObject({ instanceId: "fn-1-2", coldStart: false });
    expect(pool.stats()).toMatchObject({ recycled: 1, total: 1 });
    expectConsistent(events);
  });

  it("recycles an instance at once when a call leaves it broken (a timeout)", async () => {
    const { pool, runtime, events } = poolFixture();
    const call = await pool.invoke({ fail: "timeout", broken: true }, callOpts);
    expect(call.outcome).toMatchObject({ ok: false, error: { code: "timeout" }, instanceBroken: true });
    await settle();
    expect(runtime.byId("fn-1-1").terminated).toBe(true);
    expect(events.find((e) => e.instanceId === "fn-1-1" && e.to === "Error")?.reason).toBe("instance broken: timeout");
    expect(await pool.invoke({ echo: "next" }, callOpts)).toMatchObject({ instanceId: "fn-1-2", outcome: { ok: true, output: "next" } });
  });

  it("reports a failed start as instance_start_failed and backs off refills", async () => {
    const { pool, runtime, clock, path } = poolFixture({ scaling: { minWarm: 1 }, settings: { refillBackoff: 1_000 } });
    runtime.failStarts = 1;
    const e = await rejection(pool.invoke({ echo: 1 }, callOpts));
    expect(e.code).toBe("instance_start_failed");
    expect(e.details).toMatchObject({ function: "fn", version: 1, instanceId: "fn-1-1" });
    expect(path("fn-1-1")).toEqual(["Initializing", "WarmingUp", "Error", "Terminating", "Terminated"]);

    expect(await pool.refill()).toEqual({ started: 0, failed: 0 });
    clock.advance(1_000);
    expect(await pool.refill()).toEqual({ started: 1, failed: 0 });
    expect(await pool.invoke({ echo: 1 }, callOpts)).toMatchObject({ coldStart: false, instanceId: "fn-1-2" });
  });

  it("terminates every instance on close, running ones through Error, and refuses calls after", async () => {
    const { pool, runtime, events, path } = poolFixture({ scaling: { minWarm: 2 } });
    await pool.prewarm();
    const running = pool.invoke({ wait: "never" }, callOpts);
    await settle();
    await pool.close();
    expect(path("fn-1-1").slice(-4)).toEqual(["Executing", "Error", "Terminating", "Terminated"]);
    expect(path("fn-1-2").slice(-3)).toEqual(["Ready", "Terminating", "Terminated"]);
    expect(runtime.instances.every((i) => i.terminated)).toBe(true);
    runtime.gate("never").open();
    expect((await running).outcome).toMatchObject({ ok: false, error: { code: "instance_crashed" } });
    expect((await rejection(pool.invoke({ echo: 1 }, callOpts))).code).toBe("pool_closed");
    expect(await pool.prewarm()).toEqual({ started: 0, failed: 0 });
    expect(pool.summary().total).toBe(0);
    expectConsistent(events);
  });

  it("lets a start under way finish before closing, and fails its waiting call with pool_closed", async () => {
    const { pool, runtime, path } = poolFixture();
    runtime.startGate = runtime.gate("start");
    const call = pool.invoke({ echo: 1 }, callOpts);
    await settle();
    const closing = pool.close();
    runtime.startGate.open();
    await closing;
    expect((await rejection(call)).code).toBe("pool_closed");
    expect(path("fn-1-1")).toEqual(["Initializing", "WarmingUp", "Ready", "Terminating", "Terminated"]);
    expect(runtime.byId("fn-1-1").terminated).toBe(true);
  });
});
