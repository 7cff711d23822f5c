import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSpearError } from "../../../domain/errors.js";
import {
  BIG_AT_START,
  GROW_AT_ONCE,
  GROW_UNTIL_REFUSED,
  LOOP_FOREVER,
  PRINT_ENV,
  SEND_ON_SOCKET,
  SLEEP_LONG,
  WRITE_FILE,
  WasmHarness,
  call,
  exampleWasm,
  openFile,
  tempDir,
  wasm,
} from "./wasm-fixtures.js";

describe("wasm sandbox: limits and grants", () => {
  const echo = exampleWasm("echo");
  const m: Record<string, Uint8Array> = {};
  let node: WasmHarness;
  beforeAll(async () => {
    const sources = {
      loop: LOOP_FOREVER,
      sleep: SLEEP_LONG,
      growSteps: GROW_UNTIL_REFUSED,
      growAtOnce: GROW_AT_ONCE,
      bigAtStart: BIG_AT_START,
      openData: openFile("data.json"),
      openAbove: openFile("../secret.json"),
      openAbsolute: openFile("/etc/passwd"),
      openLink: openFile("link.json"),
      writeFile: WRITE_FILE,
      env: PRINT_ENV,
      socket: SEND_ON_SOCKET,
    };
    for (const [name, src] of Object.entries(sources)) m[name] = await wasm(src);
    node = new WasmHarness([echo, ...Object.values(m)]);
  });
  afterAll(() => node.close());

  it("stops a function that loops forever at its timeout; a new instance serves the next call", async () => {
    const looping = await node.instance(m.loop!, { limits: { timeoutMs: 300 } });
    const other = await node.instance(echo);
    const [out, meanwhile] = await Promise.all([call(looping, {}, 300), call(other, { still: "serving" })]);
    expect(out).toMatchObject({ ok: false, instanceBroken: true, error: { code: "timeout" } });
    expect(out.durationMs).toBeGreaterThanOrEqual(300);
    expect(meanwhile).toMatchObject({ ok: true, output: { still: "serving" } });
    // The broken instance refuses further work; its replacement from the same module runs.
    expect(await call(looping, {})).toMatchObject({ ok: false, instanceBroken: true, error: { code: "instance_crashed" } });
    const replacement = await node.instance(m.loop!, { limits: { timeoutMs: 300 } });
    expect(await call(replacement, {}, 200)).toMatchObject({ ok: false, error: { code: "timeout" } });
    expect(await call(other, { after: "timeouts" })).toMatchObject({ ok: true, output: { after: "timeouts" } });
  });

  it("stops a function blocked in a WASI sleep at its timeout", async () => {
    const sleeping = await node.instance(m.sleep!);
    expect(await call(sleeping, {}, 300)).toMatchObject({ ok: false, instanceBroken: true, error: { code: "timeout" } });
  });

  it("refuses memory growth past limits.memoryMb and reports memory_limit_exceeded", async () => {
    const inst = await node.instance(m.growSteps!, { limits: { memoryMb: 2 } });
    const out = await call(inst, {});
    expect(out).toMatchObject({ ok: false, instanceBroken: false, error: { code: "memory_limit_exceeded" } });
    expect(!out.ok && out.error.message).toMatch(/memory limit of 2 MiB reached \(2\.0 MiB in use/);
  });

  it("classifies a refused large allocation as memory_limit_exceeded though little memory is in use", async () => {
    const capped = await node.instance(m.growAtOnce!, { limits: { memoryMb: 16 } });
    const out = await call(capped, {});
    expect(out).toMatchObject({ ok: false, error: { code: "memory_limit_exceeded" } });
    expect(!out.ok && out.error.message).toMatch(/0\.1 MiB in use/);
    const roomy = await node.instance(m.growAtOnce!, { limits: { memoryMb: 128 } });
    expect(await call(roomy, {})).toMatchObject({ ok: true, output: { grown: true } });
  });

  it("refuses to start a module that needs more memory at start than its limit", async () => {
    const err = await node.instance(m.bigAtStart!, { limits: { memoryMb: 2 } }).catch((e: unknown) => e);
    expect(isSpearError(err, "instance_start_failed")).toBe(true);
    expect(String(err)).toMatch(/needs 4 MiB of memory at start, more than its limit of 2 MiB/);
  });

  it("denies opening a file without a grant (permission_denied, the WASI errno as exit code)", async () => {
    const inst = await node.instance(m.openData!);
    const out = await call(inst, {});
    expect(out).toMatchObject({ ok: false, error: { code: "permission_denied" } });
    expect(!out.ok && out.error.message).toMatch(/path_open "data.json": no file system access is granted.*exited with code 76/);
  });

  describe("with a preopened directory", () => {
    const outside = tempDir("outside");
    const granted = join(tempDir("granted"), "data");
    beforeAll(() => {
      mkdirSync(granted);
      writeFileSync(join(granted, "data.json"), JSON.stringify({ from: "file" }));
      writeFileSync(join(outside, "secret.json"), JSON.stringify({ secret: true }));
      symlinkSync(join(outside, "secret.json"), join(granted, "link.json"));
    });
    const grants = { preopens: { "/data": granted } };

    it("reads a granted file", async () => {
      const inst = await node.instance(m.openData!, { grants });
      expect(await call(inst, {})).toMatchObject({ ok: true, output: { from: "file" } });
    });

    it("writes into a granted directory", async () => {
      const inst = await node.instance(m.writeFile!, { grants });
      expect(await call(inst, {})).toMatchObject({ ok: true, output: {} });
      expect(JSON.parse(readFileSync(join(granted, "out.json"), "utf8"))).toEqual({ written: true });
    });

    it.each([
      ["a path above the directory", "openAbove", /leads above the granted directory/],
      ["an absolute path", "openAbsolute", /outside the granted directories/],
      ["a symbolic link leading outside", "openLink", /outside the granted directory "\/data" through a symbolic link/],
    ])("refuses %s", async (_what, name, why) => {
      const inst = await node.instance(m[name]!, { grants });
      const out = await call(inst, {});
      expect(out).toMatchObject({ ok: false, error: { code: "permission_denied" } });
      expect(!out.ok && out.error.message).toMatch(why);
      expect(!out.ok && out.error.message).toMatch(/exited with code 76/);
    });
  });

  it("gives the function its environment only when granted", async () => {
    const env = { GREETING: "hello", MODE: "test" };
    const denied = await node.instance(m.env!, { env });
    expect(await call(denied, {})).toMatchObject({ ok: true, output: [] });
    const granted = await node.instance(m.env!, { env, grants: { env: true } });
    expect(await call(granted, {})).toMatchObject({ ok: true, output: ["GREETING=hello", "MODE=test"] });
  });

  it("has no network: socket calls are refused", async () => {
    const inst = await node.instance(m.socket!);
    const out = await call(inst, {});
    expect(out).toMatchObject({ ok: false, error: { code: "permission_denied" } });
    expect(!out.ok && out.error.message).toMatch(/network access is not granted.*exited with code 76/);
  });
});
