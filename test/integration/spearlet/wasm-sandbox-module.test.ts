import { describe, expect, it } from "vitest";
import { isSpearError } from "../../../domain/errors.js";
import { watToWasm, type WatFeatures } from "../../../examples/wat-to-wasm.js";
import { SANDBOX_SECTION, readSandboxInfo, sandboxModule } from "../../../services/spearlet/runtime/wasm/binary/sandbox-module.js";
import { compileWasmModule } from "../../../services/spearlet/runtime/wasm/compile.js";

/** Instantiates a sandboxed module with a capped memory, as the worker does. */
async function run(wat: string, maxPages: number, features?: WatFeatures, extra: WebAssembly.Imports = {}) {
  const original = await watToWasm(wat, "t.wat", features);
  const module = await compileWasmModule(original);
  const info = readSandboxInfo(module)!;
  const imports: WebAssembly.Imports = { ...extra };
  let memory: WebAssembly.Memory | undefined;
  if (info.memory) {
    memory = new WebAssembly.Memory({ initial: info.memory.min, maximum: Math.min(info.memory.max ?? 65536, maxPages), shared: info.memory.shared });
    imports[info.memory.module] = { [info.memory.name]: memory };
  }
  const instance = await WebAssembly.instantiate(module, imports);
  const refused = () => (info.growRefused ? (instance.exports[info.growRefused] as WebAssembly.Global).value : null);
  return { module, info, instance, memory, refused, exports: instance.exports as Record<string, (...a: number[]) => number> };
}

describe("sandboxing a module (memory import, grow wrapper, record section)", () => {
  it("turns a defined memory into a capped import and records refused growth", async () => {
    const t = await run(
      `(module
        (memory (export "memory") 1 100)
        (data (i32.const 8) "hi")
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
        (func (export "growTwice") (param i32) (result i32)
          (drop (memory.grow (local.get 0)))
          (memory.grow (local.get 0)))
        (func (export "size") (result i32) (memory.size))
        (func (export "peek") (result i32) (i32.load16_u (i32.const 8))))`,
      4,
    );
    expect(t.info).toEqual({ memory: { module: "spear", name: "memory", min: 1, max: 100, shared: false }, growRefused: "__spear_grow_refused", fuel: "__spear_fuel" });
    expect(WebAssembly.Module.imports(t.module)).toEqual([{ module: "spear", name: "memory", kind: "memory" }]);
    expect(t.instance.exports.memory).toBe(t.memory);
    expect(t.exports.peek!()).toBe(0x6968); // data segments land in the imported memory
    expect(t.exports.grow!(1)).toBe(1);
    expect(t.refused()).toBe(0);
    expect(t.exports.growTwice!(1)).toBe(3);
    expect(t.exports.size!()).toBe(4);
    expect(t.exports.grow!(1)).toBe(-1);
    expect(t.refused()).toBe(1);
  });

  it("keeps indices, exports and behaviour of a module with SIMD, bulk memory, tables and calls", async () => {
    const t = await run(
      `(module
        (type $binop (func (param i32 i32) (result i32)))
        (import "env" "twice" (func $twice (param i32) (result i32)))
        (memory 1)
        (table 2 funcref)
        (elem (i32.const 0) $add $mul)
        (global $g (mut i32) (i32.const 7))
        (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
        (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))
        (func (export "dispatch") (param i32 i32 i32) (result i32)
          (call_indirect (type $binop) (local.get 1) (local.get 2) (local.get 0)))
        (func (export "simd") (result i32)
          (v128.store (i32.const 0) (i32x4.add (v128.const i32x4 1 2 3 4) (v128.const i32x4 10 20 30 40)))
          (i32x4.extract_lane 3 (v128.load (i32.const 0))))
        (func (export "bulk") (result i32)
          (memory.fill (i32.const 100) (i32.const 9) (i32.const 16))
          (memory.copy (i32.const 200) (i32.const 100) (i32.const 16))
          (i32.load8_u (i32.const 215)))
        (func (export "branchy") (param i32) (result i32)
          (block $c (block $b (block $a (br_table $a $b $c (local.get 0))) (return (i32.const 10))) (return (i32.const 20)))
          (i32.const 30))
        (func (export "grow_then_global") (result i32)
          (drop (memory.grow (i32.const 1)))
          (call $twice (global.get $g))))`,
      8,
      undefined,
      { env: { twice: (x: number) => 2 * x } },
    );
    expect(t.exports.dispatch!(0, 6, 7)).toBe(13);
    expect(t.exports.dispatch!(1, 6, 7)).toBe(42);
    expect(t.exports.simd!()).toBe(44);
    expect(t.exports.bulk!()).toBe(9);
    expect([0, 1, 2, 5].map((i) => t.exports.branchy!(i))).toEqual([10, 20, 30, 30]);
    expect(t.exports.grow_then_global!()).toBe(14);
    expect(t.memory!.buffer.byteLength).toBe(2 * 65536);
  });

  it("handles atomics on a shared memory and tail calls", async () => {
    const t = await run(
      `(module
        (memory 1 4 shared)
        (func $count (param i32 i32) (result i32)
          (if (result i32) (i32.eqz (local.get 0))
            (then (local.get 1))
            (else (return_call $count (i32.sub (local.get 0) (i32.const 1)) (i32.add (local.get 1) (i32.const 2))))))
        (func (export "atomic") (result i32)
          (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 5)))
          (atomic.fence)
          (drop (memory.grow (i32.const 1)))
          (i32.atomic.load (i32.const 0)))
        (func (export "tail") (param i32) (result i32) (return_call $count (local.get 0) (i32.const 0))))`,
      4,
      { threads: true, tail_call: true },
    );
    expect(t.info.memory).toMatchObject({ shared: true, min: 1, max: 4 });
    expect(t.exports.atomic!()).toBe(5);
    expect(t.exports.tail!(100_000)).toBe(200_000);
  });

  it("caps an imported memory in place and leaves memory-less modules alone", async () => {
    const imported = await run(
      `(module (import "env" "memory" (memory 2)) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`,
      3,
    );
    expect(imported.info).toEqual({
      memory: { module: "env", name: "memory", min: 2, max: null, shared: false },
      growRefused: "__spear_grow_refused",
      fuel: "__spear_fuel",
    });
    expect(imported.exports.grow!(1)).toBe(2);
    expect(imported.exports.grow!(1)).toBe(-1);
    expect(imported.refused()).toBe(1);

    const none = await run(`(module (func (export "answer") (result i32) (i32.const 42)))`, 1);
    expect(none.info).toEqual({ memory: null, growRefused: null, fuel: "__spear_fuel" });
    expect(none.exports.answer!()).toBe(42);

    const noGrow = await run(`(module (memory 1) (func (export "size") (result i32) (memory.size)))`, 1);
    expect(noGrow.info.growRefused).toBeNull();
    expect(WebAssembly.Module.exports(noGrow.module).map((e) => e.name)).toEqual(["size", "__spear_fuel"]);
  });

  it("replaces a spear.sandbox record the artifact brought, and avoids its export names", async () => {
    const wat = `(module (memory 1)
      (global (export "__spear_grow_refused") i32 (i32.const 5))
      (global (export "__spear_fuel") i32 (i32.const 6))
      (func (export "g") (result i32) (memory.grow (i32.const 1))))`;
    const plain = await watToWasm(wat);
    const lie = new TextEncoder().encode(JSON.stringify({ memory: null, growRefused: null }));
    const name = new TextEncoder().encode(SANDBOX_SECTION);
    const payload = [name.length, ...name, ...lie];
    const forged = new Uint8Array([...plain, 0x00, payload.length, ...payload]);
    const { bytes, info } = sandboxModule(forged);
    const module = await WebAssembly.compile(bytes);
    expect(WebAssembly.Module.customSections(module, SANDBOX_SECTION)).toHaveLength(1);
    expect(readSandboxInfo(module)).toEqual(info);
    expect(info).toEqual({ memory: { module: "spear", name: "memory", min: 1, max: null, shared: false }, growRefused: "__spear_grow_refused_1", fuel: "__spear_fuel_1" });
  });

  it("meters every function entry and loop iteration against the fuel global, trapping with it at 0", async () => {
    const t = await run(
      `(module
        (func $leaf (result i32) (i32.const 1))
        (func (export "spin") (param i32) (result i32) (local i32)
          (loop $again
            (local.set 1 (i32.add (local.get 1) (call $leaf)))
            (br_if $again (i32.lt_u (local.get 1) (local.get 0))))
          (local.get 1)))`,
      1,
    );
    const fuel = t.instance.exports[t.info.fuel!] as WebAssembly.Global<"i64">;
    fuel.value = 100n;
    // spin's entry, then per iteration one loop header and one call of $leaf.
    expect(t.exports.spin!(10)).toBe(10);
    expect(fuel.value).toBe(100n - 1n - 10n * 2n);
    fuel.value = 50n;
    expect(() => t.exports.spin!(1_000)).toThrow(WebAssembly.RuntimeError);
    expect(fuel.value).toBe(0n);
  });

  it("refuses bytes that are not WebAssembly", async () => {
    const bad = await compileWasmModule(new TextEncoder().encode("not wasm at all") as Uint8Array<ArrayBuffer>).catch((e: unknown) => e);
    expect(isSpearError(bad, "artifact_invalid")).toBe(true);
    expect(String(bad)).toMatch(/not a valid WebAssembly module/);
  });
});
