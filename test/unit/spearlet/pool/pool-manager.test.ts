import { describe, expect, it } from "vitest";
import type { InstanceStateChanged } from "../../../../domain/events/instance.js";
import type { BinaryLease } from "../../../../services/spearlet/binaries/binary-cache.js";
import { PoolManager } from "../../../../services/spearlet/pool/pool-manager.js";
import type { PoolManagerSettingsInput } from "../../../../services/spearlet/pool/settings.js";
import type { SharedBinary } from "../../../../services/spearlet/runtime/runtime.js";
import { gate, InProcessRuntime, type Gate } from "../../../support/in-process-runtime.js";
import { ManualClock } from "../../../support/manual-clock.js";
import { callOpts, expectConsistent, rejection, settle, specWith } from "./helpers.js";

function managerFixture(opts: { settings?: PoolManagerSettingsInput; memory?: number[]; binaryGate?: Gate } = {}) {
  const clock = new ManualClock();
  const runtime = new InProcessRuntime();
  const events: InstanceStateChanged[] = [];
  const leases: string[] = [];
  const memory = opts.memory;
  const binary: SharedBinary = { sha256: "a".repeat(64), size: 3, path: "/nonexistent/a" };
  const manager = new PoolManager({
    nodeId: "n1",
    runtimes: { process: runtime },
    clock,
    settings: opts.settings ?? {},
    onTransition: (e) => events.push(e),
    newInstanceId: (fn, v) => `${fn}-${v}-${events.filter((e) => e.from === null && e.function === fn && e.version === v).length + 1}`,
    binaries: async (spec) => {
      if (!spec.artifact) return undefined;
      await opts.binaryGate?.opened;
      leases.push(`acquire ${spec.artifact.sha256.slice(0, 4)}`);
      const lease: BinaryLease = { binary, release: () => void leases.push(`release ${spec.artifact?.sha256.slice(0, 4)}`) };
      return lease;
    },
    ...(memory ? { memoryPercent: () => (memory.length > 1 ? (memory.shift() as number) : (memory[0] as number)) } : {}),
  });
  const stateOf = (id: string) => events.filter((e) => e.instanceId === id).at(-1)?.to;
  return { clock, runtime, events, manager, leases, stateOf };
}

describe("pool manager", () => {
  it("prewarms at deploy so the first invocation is not a cold start", async () => {
    const { manager, events } = managerFixture();
    const spec = specWith({ minWarm: 2 });
    expect(await manager.deploy("echo", 1, spec)).toEqual({ started: 2, failed: 0 });
    const starts = events.filter((e) => e.to === "Initializing").length;
    const call = await manager.invoke("echo", 1, spec, { echo: 1 }, callOpts);
    expect(call.coldStart).toBe(false);
    expect(events.filter((e) => e.to === "Initializing").length).toBe(starts);
    expect(manager.summary()).toEqual([{ function: "echo", version: 1, ready: 2, busy: 0, total: 2 }]);
    expect(manager.instanceCount()).toBe(2);
  });

  it("counts the node's instances by function and lifecycle state (the spear_spearlet_instances gauge)", async () => {
    const { manager } = managerFixture();
    await manager.deploy("echo", 1, specWith({ minWarm: 2 }));
    await manager.deploy("wc", 1, specWith({ minWarm: 1 }));
    expect(manager.instanceStates()).toEqual([
      { function: "echo", state: "Ready", count: 2 },
      { function: "wc", state: "Ready", count: 1 },
    ]);
  });

  it("creates a pool once on first use, holding the shared binary until the version is dropped", async () => {
    const { manager, runtime, leases, events } = managerFixture();
    const spec = { ...specWith(), artifact: { sha256: "b".repeat(64), size: 3 } };
    const calls = await Promise.all([1, 2, 3].map((i) => manager.invoke("fn", 3, spec, { echo: i }, callOpts)));
    expect(calls.map((c) => c.outcome.ok)).toEqual([true, true, true]);
    expect(leases).toEqual(["acquire bbbb"]);
    expect(runtime.specs.every((s) => s.binary?.sha256 === "a".repeat(64) && s.version === 3)).toBe(true);

    await manager.drop("fn", 3);
    expect(leases).toEqual(["acquire bbbb", "release bbbb"]);
    expect(runtime.instances.every((i) => i.terminated)).toBe(true);
    expect(manager.pool("fn", 3)).toBeUndefined();
    expect(manager.summary()).toEqual([]);
    expectConsistent(events);
  });

  it("does not bring back a pool dropped while it was being created", async () => {
    const binaryGate = gate();
    const { manager, leases, runtime } = managerFixture({ binaryGate });
    const spec = { ...specWith(), artifact: { sha256: "b".repeat(64), size: 3 } };
    const call = manager.invoke("fn", 1, spec, { echo: 1 }, callOpts);
    const dropped = manager.drop("fn", 1);
    binaryGate.open();
    await dropped;
    expect((await rejection(call)).code).toBe("pool_closed");
    expect(manager.pool("fn", 1)).toBeUndefined();
    expect(leases).toEqual(["acquire bbbb", "release bbbb"]);
    expect(runtime.instances.every((i) => i.terminated)).toBe(true);
    // a later use creates the version's pool afresh
    expect((await manager.invoke("fn", 1, spec, { echo: 2 }, callOpts)).outcome).toMatchObject({ ok: true, output: 2 });
  });

  it("drops every version of a deleted function", async () => {
    const { manager } = managerFixture();
    await manager.deploy("fn", 1, specWith({ minWarm: 1 }));
    await manager.deploy("fn", 2, specWith({ minWarm: 1 }));
    await manager.deploy("fnx", 1, specWith({ minWarm: 1 }));
    await manager.drop("fn");
    expect(manager.summary().map((s) => `${s.function}@${s.version}`)).toEqual(["fnx@1"]);
  });

  it("refuses a runtime the node does not have, and retries creating the pool on the next use", async () => {
    const { manager } = managerFixture();
    const wasm = { ...specWith(), runtime: "wasm" as const, artifact: { sha256: "c".repeat(64), size: 1 } };
    const e = await rejection(manager.invoke("w", 1, wasm, {}, callOpts));
    expect(e.code).toBe("instance_start_failed");
    expect(e.details).toMatchObject({ runtime: "wasm" });
    expect((await rejection(manager.invoke("w", 1, wasm, {}, callOpts))).code).toBe("instance_start_failed");
  });

  it("terminates idle instances under memory pressure, warm tier first, least recently used first, until below the high mark", async () => {
    // samples: at the sweep 95 %, after the first reclaim 93 %, after the second 80 %
    const { manager, clock, stateOf } = managerFixture({
      memory: [95, 93, 80],
      settings: { memoryHighPercent: 90, memoryRefillBelowPercent: 85, pool: { coolAfter: 10_000 } },
    });
    const spec = specWith({ minWarm: 0 });
    await manager.invoke("a", 1, spec, { echo: 1 }, callOpts); // a-1-1 used at t0
    clock.advance(1_000);
    await manager.invoke("b", 1, spec, { echo: 1 }, callOpts); // b-1-1 used at t1
    clock.advance(9_000);
    await manager.pool("a", 1)?.reclaimIdle(); // a-1-1 idle 10 s: Paused (warm)
    clock.advance(1_000);
    await manager.invoke("c", 1, spec, { echo: 1 }, callOpts); // c-1-1 used at t11 (hot)
    expect([stateOf("a-1-1"), stateOf("b-1-1"), stateOf("c-1-1")]).toEqual(["Paused", "Ready", "Ready"]);

    const result = await manager.sweep();
    expect(result).toEqual({ memoryPercent: 80, reclaimedForMemory: 2 });
    // warm a-1-1 first, then the least recently used hot one, b-1-1; c-1-1 stays
    expect([stateOf("a-1-1"), stateOf("b-1-1"), stateOf("c-1-1")]).toEqual(["Terminated", "Terminated", "Ready"]);
  });

  it("does not refill to minWarm while memory is short, and does once it is below the refill mark", async () => {
    const memory = [95];
    const { manager, runtime } = managerFixture({ memory, settings: { memoryHighPercent: 90, memoryRefillBelowPercent: 85 } });
    await manager.deploy("fn", 1, specWith({ minWarm: 2 }));
    expect(await manager.sweep()).toEqual({ memoryPercent: 95, reclaimedForMemory: 2 });
    expect(manager.instanceCount()).toBe(0);
    expect(manager.underMemoryPressure).toBe(true);

    memory[0] = 88; // below the high mark, above the refill mark
    await manager.sweep();
    await settle();
    expect(manager.instanceCount()).toBe(0);

    memory[0] = 50;
    await manager.sweep();
    await settle();
    expect(manager.instanceCount()).toBe(2);
    expect(runtime.instances.filter((i) => !i.terminated)).toHaveLength(2);
  });

  it("sweeps on its timer until closed", async () => {
    const { manager, clock, stateOf } = managerFixture({ settings: { sweepEvery: 500, pool: { coolAfter: 1_000 } } });
    await manager.deploy("fn", 1, specWith({ minWarm: 1 }));
    manager.start();
    clock.advance(500);
    await settle();
    expect(stateOf("fn-1-1")).toBe("Ready");
    clock.advance(500);
    await settle();
    expect(stateOf("fn-1-1")).toBe("Paused");
    await manager.close();
    expect(stateOf("fn-1-1")).toBe("Terminated");
    expect(clock.timers).toBe(0);
    expect((await rejection(manager.invoke("fn", 1, specWith(), {}, callOpts))).code).toBe("pool_closed");
  });
});
