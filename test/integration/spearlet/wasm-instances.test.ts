import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSpearError } from "../../../domain/errors.js";
import { COUNTER_COMMAND, COUNTER_REACTOR, FAIL_WITH_STDERR, NOT_JSON, UNKNOWN_IMPORT, WasmHarness, call, exampleWasm, refOf, wasm, wasmSpec } from "./wasm-fixtures.js";

describe("wasm instances", () => {
  const echo = exampleWasm("echo");
  const m: Record<string, Uint8Array> = {};
  let node: WasmHarness;
  beforeAll(async () => {
    const sources = { reactor: COUNTER_REACTOR, command: COUNTER_COMMAND, notJson: NOT_JSON, fail: FAIL_WITH_STDERR, unknownImport: UNKNOWN_IMPORT };
    for (const [name, src] of Object.entries(sources)) m[name] = await wasm(src);
    node = new WasmHarness([echo, ...Object.values(m)]);
  });
  afterAll(() => node.close());

  it("two instances of two versions share one fetch and one compiled module", async () => {
    const ref = refOf(echo);
    const [v1, v2] = await Promise.all([node.cache.acquire(ref, "wasm"), node.cache.acquire(ref, "wasm")]);
    try {
      expect(v1.binary.module).toBeInstanceOf(WebAssembly.Module);
      expect(v2.binary.module).toBe(v1.binary.module);
      const a = await node.runtime.createInstance({ instanceId: "share-a", function: "echo", version: 1, spec: wasmSpec(ref), binary: v1.binary });
      const b = await node.runtime.createInstance({ instanceId: "share-b", function: "echo", version: 2, spec: wasmSpec(ref, { limits: { memoryMb: 4 } }), binary: v2.binary });
      const [ra, rb] = await Promise.all([call(a, { from: "a" }), call(b, { from: "b" })]);
      expect(ra).toMatchObject({ ok: true, output: { from: "a" } });
      expect(rb).toMatchObject({ ok: true, output: { from: "b" } });
      await Promise.all([a.terminate(), b.terminate()]);
      expect(node.fetches.get(ref.sha256)).toBe(1);
      expect(node.cache.stats()).toMatchObject({ compiles: 1, fetches: 1 });
    } finally {
      v1.release();
      v2.release();
    }
  });

  it("keeps a reactor's instance warm between calls, and gives a command a fresh one per call", async () => {
    const reactor = await node.instance(m.reactor!, { entry: "handle" });
    expect(reactor.shape).toBe("reactor");
    const counts = [];
    for (let i = 0; i < 3; i++) {
      const out = await call(reactor, {});
      counts.push(out.ok ? out.output : out);
      expect(reactor.lastCallInstantiated).toBe(false);
    }
    expect(counts).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);

    const command = await node.instance(m.command!);
    expect(command.shape).toBe("command");
    for (let i = 0; i < 3; i++) {
      expect(await call(command, {})).toMatchObject({ ok: true, output: { n: 1 } });
      expect(command.lastCallInstantiated).toBe(true);
    }
  });

  it("starts a reactor afresh for every call in per-call mode", async () => {
    const perCall = await node.instance(m.reactor!, { entry: "handle", mode: "per-call" });
    expect(await call(perCall, {})).toMatchObject({ ok: true, output: { n: 1 } });
    expect(await call(perCall, {})).toMatchObject({ ok: true, output: { n: 1 } });
    expect(perCall.lastCallInstantiated).toBe(true);
  });

  it("reports output that is not JSON as invalid_output", async () => {
    const inst = await node.instance(m.notJson!);
    const out = await call(inst, {});
    expect(out).toMatchObject({ ok: false, instanceBroken: false, error: { code: "invalid_output", message: "the output is not JSON: hello" } });
  });

  it("reports a failing exit as function_error with the end of stderr", async () => {
    const inst = await node.instance(m.fail!);
    const out = await call(inst, {});
    expect(out).toMatchObject({ ok: false, instanceBroken: false, error: { code: "function_error", message: "the function exited with code 3; stderr: boom: bad input" } });
  });

  it("refuses a module that imports anything but WASI preview 1", async () => {
    const err = await node.instance(m.unknownImport!).catch((e: unknown) => e);
    expect(isSpearError(err, "artifact_invalid")).toBe(true);
    expect(String(err)).toMatch(/unsupported import env.launch_missiles/);
  });

  it("refuses an entry the module does not export", async () => {
    const err = await node.instance(echo, { entry: "main" }).catch((e: unknown) => e);
    expect(isSpearError(err, "artifact_invalid")).toBe(true);
    expect(String(err)).toMatch(/exports no function "main"/);
  });

  it("takes one call at a time, and none after terminate", async () => {
    const inst = await node.instance(echo);
    const first = call(inst, { first: true });
    await expect(call(inst, { second: true })).rejects.toSatisfy((e: unknown) => isSpearError(e, "internal"));
    expect(await first).toMatchObject({ ok: true, output: { first: true } });
    await inst.terminate();
    await inst.terminate();
    await expect(call(inst, {})).rejects.toSatisfy((e: unknown) => isSpearError(e, "instance_terminated"));
  });
});
