import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WasmHarness, call, tempDir } from "./wasm-fixtures.js";

/**
 * A C program built against wasi-libc (wasm-libc-probe.c, prebuilt beside this file because the
 * toolchain is not part of the project's build) exercises the WASI host the way real
 * toolchains use it: preopen discovery at start-up, buffered stdio, stat, readdir, sleep, malloc.
 */
describe("wasm runtime with a wasi-libc program", () => {
  const probe = new Uint8Array(readFileSync(join(import.meta.dirname, "wasm-libc-probe.wasm")));
  const node = new WasmHarness([probe]);
  afterAll(() => node.close());

  it("sees no files and no environment without grants", async () => {
    const inst = await node.instance(probe, { env: { GREETING: "hi" } }, "probe");
    const out = await call(inst, {});
    expect(out).toEqual({
      ok: true,
      durationMs: expect.any(Number),
      output: { argv0: "probe", greeting: null, open_error: "Capabilities insufficient", slept_ms_at_least_20: true, random_nonzero: true, allocated: 0 },
    });
  });

  it("uses its granted directory and environment", async () => {
    const data = join(tempDir("libc"), "data");
    mkdirSync(data);
    writeFileSync(join(data, "in.txt"), "hello from the host\n");
    const inst = await node.instance(probe, { env: { GREETING: "hi" }, grants: { env: true, preopens: { "/data": data } } }, "probe");
    const out = await call(inst, {});
    expect(out).toMatchObject({
      ok: true,
      output: {
        greeting: "hi",
        read: "hello from the host",
        written: 13,
        entries: expect.arrayContaining([".", "..", "in.txt", "sub"]),
        escape: "Capabilities insufficient",
      },
    });
    expect(existsSync(join(data, "sub"))).toBe(false); // the probe removed what it made
  });

  it("allocates within its memory limit and fails with memory_limit_exceeded beyond it", async () => {
    const inst = await node.instance(probe, { limits: { memoryMb: 8 } }, "probe");
    expect(await call(inst, { alloc: 4_000_000 })).toMatchObject({ ok: true, output: { allocated: 4_000_000 } });
    const out = await call(inst, { alloc: 64_000_000 });
    expect(out).toMatchObject({ ok: false, instanceBroken: false, error: { code: "memory_limit_exceeded" } });
    expect(!out.ok && out.error.message).toMatch(/memory limit of 8 MiB reached.*out of memory allocating 64000000 bytes/);
    expect(await call(inst, {})).toMatchObject({ ok: true, output: { allocated: 0 } });
  });
});
