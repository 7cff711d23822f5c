import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InvokeOutcome } from "../../../services/spearlet/runtime/runtime.js";
import { WasmRuntime } from "../../../services/spearlet/runtime/wasm/wasm-runtime.js";
import { call, LOOP_FOREVER, refOf, wasm, wasmSpec, WasmHarness } from "./wasm-fixtures.js";

/**
 * WebAssembly guests have a CPU bound besides the wall clock: fuel, spent at every function
 * entry and loop iteration of the rewritten module, set per call, and trapping with its own
 * code (`cpu_limit_exceeded`) when it runs out.
 */

/** Counts to 1,000,000 in a loop (a million and one units of fuel, plus the entry), then writes {}. */
const COUNT_TO_A_MILLION = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (data (i32.const 512) "{}")
  (func (export "_start") (local $i i32)
    (loop $next
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 1000000))))
    (i32.store (i32.const 0) (i32.const 512))
    (i32.store (i32.const 4) (i32.const 2))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;

let spin: Uint8Array<ArrayBuffer>;
let count: Uint8Array<ArrayBuffer>;
let node: WasmHarness;

beforeAll(async () => {
  spin = await wasm(LOOP_FOREVER);
  count = await wasm(COUNT_TO_A_MILLION);
  node = new WasmHarness([spin, count]);
});

afterAll(() => node.close());

function failure(o: InvokeOutcome): Extract<InvokeOutcome, { ok: false }> {
  if (o.ok) throw new Error(`expected a failure, got ${JSON.stringify(o.output)}`);
  return o;
}

describe("wasm CPU bound (fuel)", () => {
  it("stops an infinite loop by its fuel long before its wall-clock limit, with its own code, and the instance serves on", async () => {
    const inst = await node.instance(spin, { limits: { timeoutMs: 30_000, fuel: 5_000_000 } });
    const started = Date.now();
    const o = failure(await call(inst, null, 30_000));
    expect(o.error.code).toBe("cpu_limit_exceeded");
    expect(o.error.message).toContain("5000000");
    expect(o.instanceBroken).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
    // A fresh budget per call: the same instance is stopped the same way again.
    expect(failure(await call(inst, null, 30_000)).error.code).toBe("cpu_limit_exceeded");
  });

  it("gives every call the whole budget, so work below it succeeds call after call", async () => {
    const inst = await node.instance(count, { limits: { fuel: 1_100_000 } });
    for (let i = 0; i < 3; i++) expect(await call(inst, null)).toMatchObject({ ok: true, output: {} });
    const tight = await node.instance(count, { limits: { fuel: 900_000 } });
    expect(failure(await call(tight, null)).error.code).toBe("cpu_limit_exceeded");
  });

  it("compiles the instrumented module once for every bound, and applies the runtime's default when the function sets none", async () => {
    const before = node.cache.stats().compiles;
    const ref = refOf(count);
    const lease = await node.cache.acquire(ref, "wasm");
    try {
      const frugal = new WasmRuntime({ fuel: 1_000 });
      const inst = await frugal.createInstance({ instanceId: "frugal", function: "fn", version: 1, spec: wasmSpec(ref), binary: lease.binary });
      try {
        expect(failure(await call(inst, null)).error.code).toBe("cpu_limit_exceeded");
      } finally {
        await inst.terminate();
      }
    } finally {
      lease.release();
    }
    // The previous test compiled this artifact already; its lease held it, nothing was compiled again.
    expect(node.cache.stats().compiles).toBe(before);
  });

  it("leaves the wall-clock limit in charge when the fuel is plentiful", async () => {
    const inst = await node.instance(spin, { limits: { timeoutMs: 300 } });
    const o = failure(await call(inst, null, 300));
    expect(o.error.code).toBe("timeout");
    expect(o.instanceBroken).toBe(true);
  });
});
