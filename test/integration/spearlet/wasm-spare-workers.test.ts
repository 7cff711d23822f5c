import type { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BinaryCache } from "../../../services/spearlet/binaries/binary-cache.js";
import { SpareWorkers } from "../../../services/spearlet/runtime/wasm/spare-workers.js";
import { WasmRuntime } from "../../../services/spearlet/runtime/wasm/wasm-runtime.js";
import { spawnWasmWorker } from "../../../services/spearlet/runtime/wasm/worker-thread.js";
import { COUNTER_REACTOR, call, memoryFetcher, refOf, removeTempDirs, tempDir, wasm, wasmSpec } from "./wasm-fixtures.js";

/** Spare workers whose every thread is recorded, with whether it has exited. */
function recorded(size: number) {
  const threads: { worker: Worker; exited: boolean }[] = [];
  const spares = new SpareWorkers(size, () => {
    const worker = spawnWasmWorker(64);
    const t = { worker, exited: false };
    worker.once("exit", () => (t.exited = true));
    threads.push(t);
    return worker;
  });
  return { spares, threads };
}

const settle = () => new Promise((r) => setTimeout(r, 50));

describe("spare wasm worker threads", () => {
  afterAll(removeTempDirs);

  it("keeps at most its size idle, hands each out once, and starts a thread when none is idle", async () => {
    const { spares, threads } = recorded(2);
    expect(threads).toHaveLength(2);
    const a = spares.take();
    const b = spares.take();
    expect(new Set([a, b, ...threads.map((t) => t.worker)]).size).toBe(2);
    const c = spares.take();
    expect(threads).toHaveLength(3);
    expect(threads[2]!.worker).toBe(c);
    spares.refill();
    spares.refill();
    expect(threads).toHaveLength(5);
    await spares.close();
    await Promise.all([a, b, c].map((w) => w.terminate()));
  });

  it("terminates its idle threads on close and starts none after", async () => {
    const { spares, threads } = recorded(3);
    const taken = spares.take();
    await spares.close();
    await settle();
    expect(threads.filter((t) => t.worker !== taken).every((t) => t.exited)).toBe(true);
    expect(threads.find((t) => t.worker === taken)!.exited).toBe(false);
    spares.refill();
    expect(threads).toHaveLength(3);
    await taken.terminate();
  });

  it("drops a spare that dies idle and replaces it at the next refill", async () => {
    const { spares, threads } = recorded(1);
    const first = threads[0]!.worker;
    await first.terminate();
    await settle();
    spares.refill();
    expect(threads).toHaveLength(2);
    expect(spares.take()).toBe(threads[1]!.worker);
    await spares.close();
    await threads[1]!.worker.terminate();
  });

  describe("in the wasm runtime", () => {
    let reactor: Uint8Array;
    beforeAll(async () => {
      reactor = await wasm(COUNTER_REACTOR);
    });

    it("runs instances on spares, each with a thread and state of its own, and ends the spares on close", async () => {
      const runtime = new WasmRuntime({ spareWorkers: 1 });
      const cache = new BinaryCache({ dir: tempDir("spares"), fetch: memoryFetcher([reactor]).fetch });
      const ref = refOf(reactor);
      const lease = await cache.acquire(ref, "wasm");
      const spec = wasmSpec(ref, { entry: "handle" });
      try {
        const a = await runtime.createInstance({ instanceId: "spare-a", function: "counter", version: 1, spec, binary: lease.binary });
        expect(await call(a, {})).toMatchObject({ ok: true, output: { n: 1 } });
        expect(await call(a, {})).toMatchObject({ ok: true, output: { n: 2 } });
        // Its first call has ended: the replacement is starting, and the next instance takes it.
        const b = await runtime.createInstance({ instanceId: "spare-b", function: "counter", version: 1, spec, binary: lease.binary });
        expect(await call(b, {})).toMatchObject({ ok: true, output: { n: 1 } });
        await a.terminate();
        expect(await call(b, {})).toMatchObject({ ok: true, output: { n: 2 } });
        await b.terminate();
      } finally {
        await runtime.close();
        lease.release();
      }
    });

    it("starts an instance on a spare whose thread is still booting when the module is posted", async () => {
      const cache = new BinaryCache({ dir: tempDir("spares"), fetch: memoryFetcher([reactor]).fetch });
      const ref = refOf(reactor);
      const lease = await cache.acquire(ref, "wasm");
      const runtime = new WasmRuntime({ spareWorkers: 1 });
      try {
        const inst = await runtime.createInstance({ instanceId: "booting", function: "counter", version: 1, spec: wasmSpec(ref, { entry: "handle" }), binary: lease.binary });
        expect(await call(inst, {})).toMatchObject({ ok: true, output: { n: 1 } });
        await inst.terminate();
      } finally {
        await runtime.close();
        lease.release();
      }
    });
  });
});
