import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSpearError } from "../../../domain/errors.js";
import { FunctionSpec } from "../../../domain/events/function.js";
import { MINIMAL_PATH } from "../../../services/spearlet/runtime/process/command.js";
import { ProcessRuntime } from "../../../services/spearlet/runtime/process/process-runtime.js";
import { CONFINED_DIR } from "../../../services/spearlet/runtime/process/sandbox.js";
import type { InstanceSpec, InvokeOutcome, RuntimeInstance, SharedBinary } from "../../../services/spearlet/runtime/runtime.js";
import { eventually } from "../../support/nats.js";
import { withoutBaseFolder } from "../../support/confined-view.js";

/**
 * The process runtime against real processes: node workers (warm, JSON lines) and per-call
 * processes, under real prlimit limits.
 */

const workRoot = mkdtempSync(join(tmpdir(), "spear-process-test-"));
const runtime = new ProcessRuntime({ workRoot, startTimeoutMs: 10_000, stopGraceMs: 1_000 });
const instances: RuntimeInstance[] = [];
let seq = 0;

afterAll(async () => {
  await Promise.all(instances.map((i) => i.terminate()));
  rmSync(workRoot, { recursive: true, force: true });
});

/** A warm worker in JavaScript: `body` computes the output of `input` (CommonJS, `require` works). */
const warmWorker = (body: string) => `
const send = (m) => process.stdout.write(JSON.stringify(m) + "\\n");
function handle(input) { ${body} }
let buffered = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  const lines = (buffered + chunk).split("\\n");
  buffered = lines.pop();
  for (const line of lines) {
    if (!line) continue;
    const req = JSON.parse(line);
    try { send({ id: req.id, output: handle(req.input) }); }
    catch (e) { send({ id: req.id, error: { message: e.message, code: "thrown" } }); }
  }
});
process.stdin.on("end", () => process.exit(0));
send({ ready: true });
`;

/** A per-call program: reads all of stdin, prints `body`'s result as JSON. */
const perCallProgram = (body: string) => `
let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (c) => (text += c));
process.stdin.on("end", () => { const input = JSON.parse(text); ${body} });
`;

function instanceSpec(spec: Record<string, unknown>, binary?: SharedBinary): InstanceSpec {
  seq += 1;
  return { instanceId: `p${seq}`, function: "fn", version: 1, spec: FunctionSpec.parse({ runtime: "process", ...spec }), ...(binary ? { binary } : {}) };
}

async function create(spec: Record<string, unknown>, binary?: SharedBinary): Promise<RuntimeInstance> {
  const instance = await runtime.createInstance(instanceSpec(spec, binary));
  instances.push(instance);
  return instance;
}

const call = (i: RuntimeInstance, input: unknown, timeoutMs = 10_000) => i.invoke(input, { invocationId: `inv-${++seq}`, timeoutMs });

function expectFailure(o: InvokeOutcome, code: string): Extract<InvokeOutcome, { ok: false }> {
  if (o.ok) throw new Error(`expected ${code}, got output ${JSON.stringify(o.output)}`);
  expect(o.error.code, o.error.message).toBe(code);
  return o;
}

/** Running, as opposed to gone or a zombie waiting for its (re)parent to reap it. */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
};

beforeAll(async () => {
  expect(await runtime.available()).toEqual({ ok: true });
});

describe("process runtime: warm workers (JSON lines)", () => {
  it("returns the right output of the JavaScript example for a JSON input, warm across calls", async () => {
    const wc = await create({ command: ["node", "examples/process-js/wc.js"] });
    const o = await call(wc, { text: "the cat and the hat\nthe end", top: 2 });
    expect(o).toMatchObject({
      ok: true,
      output: { lines: 2, words: 7, chars: 27, bytes: 27, unique: 5, topWords: [{ word: "the", count: 3 }, { word: "and", count: 1 }] },
    });
    expect(await call(wc, "one two two")).toMatchObject({ ok: true, output: { words: 3, topWords: [{ word: "two", count: 2 }, { word: "one", count: 1 }] } });
    // The example reports bad input as a function error; the worker stays usable.
    const bad = expectFailure(await call(wc, 42), "function_error");
    expect(bad.instanceBroken).toBe(false);
    expect(bad.error.message).toContain("bad_input");
    expect(await call(wc, "again")).toMatchObject({ ok: true, output: { words: 1 } });
  });

  it("keeps one process across calls (state survives between calls)", async () => {
    const counter = await create({ command: ["node", "-e", warmWorker("globalThis.n = (globalThis.n ?? 0) + 1; return { n: globalThis.n, pid: process.pid };")] });
    const a = await call(counter, null);
    const b = await call(counter, null);
    expect(a).toMatchObject({ ok: true, output: { n: 1 } });
    expect(b).toMatchObject({ ok: true, output: { n: 2 } });
    expect((b as { output: { pid: number } }).output.pid).toBe((a as { output: { pid: number } }).output.pid);
  });

  it("kills a call that loops forever at its timeout, with its whole process group, and the runtime keeps serving", async () => {
    const body = `
      if (input === "spawn") return require("child_process").spawn("sleep", ["600"], { stdio: "ignore" }).pid;
      if (input === "pid") return process.pid;
      if (input === "loop") for (;;) {}
      return input;`;
    const spec = { command: ["node", "-e", warmWorker(body)], limits: { timeoutMs: 500 } };
    // Host pids are what this checks: an unconfined worker (a confined one is checked by isolation.test.ts).
    const unconfined = new ProcessRuntime({ workRoot, confine: false });
    const looping = await unconfined.createInstance(instanceSpec(spec));
    instances.push(looping);
    const workerPid = ((await call(looping, "pid")) as { output: number }).output;
    const sleepPid = ((await call(looping, "spawn")) as { output: number }).output;
    expect(alive(sleepPid)).toBe(true);

    const o = expectFailure(await call(looping, "loop", 500), "timeout");
    expect(o.instanceBroken).toBe(true);
    expect(o.durationMs).toBeGreaterThanOrEqual(450);
    await eventually(() => (!alive(workerPid) && !alive(sleepPid) ? true : undefined), 5_000);
    // A broken instance says so instead of hanging; a new one of the same function serves.
    expect(expectFailure(await call(looping, "after"), "instance_crashed").instanceBroken).toBe(true);
    const next = await create(spec);
    expect(await call(next, { still: "working" })).toMatchObject({ ok: true, output: { still: "working" } });
  });

  it("fails with memory_limit_exceeded when the worker passes its memory limit, and tells a plain crash apart", async () => {
    const body = `
      if (input === "hog") { const keep = []; for (;;) keep.push(Buffer.alloc(1 << 20, 1)); }
      if (input === "crash") process.exit(3);
      return "fine";`;
    const hog = await create({ command: ["node", "-e", warmWorker(body)], limits: { memoryMb: 96 } });
    expect(await call(hog, "small")).toMatchObject({ ok: true, output: "fine" });
    const o = expectFailure(await call(hog, "hog"), "memory_limit_exceeded");
    expect(o.instanceBroken).toBe(true);
    expect(o.error.message).toContain("96 MB");

    const crasher = await create({ command: ["node", "-e", warmWorker(body)], limits: { memoryMb: 96 } });
    const c = expectFailure(await call(crasher, "crash"), "instance_crashed");
    expect(c.error.message).toContain("exited with code 3");
    expect(c.instanceBroken).toBe(true);
  });

  it("gives the worker only the function's environment (plus a minimal PATH) and a private folder", async () => {
    process.env.SPEAR_TEST_SECRET = "must-not-leak";
    const envDump = await create({
      command: ["node", "-e", warmWorker("return { env: process.env, cwd: process.cwd(), files: require('fs').readdirSync('.') };")],
      env: { GREETING: "hello", MODE: "test" },
    });
    const o = await call(envDump, null);
    if (!o.ok) throw new Error(o.error.message);
    const out = o.output as { env: Record<string, string>; cwd: string; files: string[] };
    expect(out.env).toEqual({ PATH: MINIMAL_PATH, GREETING: "hello", MODE: "test" });
    // A confined worker sees its folder as /tmp.
    const folder = readdirSync(workRoot).find((d) => d.startsWith(`${envDump.id}-`));
    expect(out.cwd === CONFINED_DIR || out.cwd === join(workRoot, folder!)).toBe(true);
    expect(withoutBaseFolder(out.files)).toEqual([]);
    await envDump.terminate();
    expect(existsSync(join(workRoot, folder!))).toBe(false);
  });

  it("reports a worker that breaks the protocol as invalid_output and retires it", async () => {
    const liar = await create({ command: ["node", "-e", warmWorker("if (input === 'garble') { process.stdout.write('not json\\n'); return 1; } return 2;")] });
    expect(await call(liar, "ok")).toMatchObject({ ok: true, output: 2 });
    const o = expectFailure(await call(liar, "garble"), "invalid_output");
    expect(o.instanceBroken).toBe(true);
    expect(o.error.message).toContain("not JSON");
  });

  it("refuses a second call while one runs (one call at a time per warm worker)", async () => {
    const slow = await create({ command: ["node", "-e", warmWorker("const end = Date.now() + 300; while (Date.now() < end) {} return input;")] });
    const first = call(slow, 1);
    await expect(call(slow, 2)).rejects.toSatisfy((e: unknown) => isSpearError(e, "instance_busy"));
    expect(await first).toMatchObject({ ok: true, output: 1 });
  });

  it("fails to start with instance_start_failed and the worker's stderr when it dies before it is ready", async () => {
    await expect(runtime.createInstance(instanceSpec({ command: ["node", "-e", "console.error('cannot load config'); process.exit(2)"] }))).rejects.toSatisfy(
      (e: unknown) => isSpearError(e, "instance_start_failed") && e.message.includes("exited with code 2") && e.message.includes("cannot load config"),
    );
    await expect(runtime.createInstance(instanceSpec({ command: ["no-such-program-spear"] }))).rejects.toSatisfy(
      (e: unknown) => isSpearError(e, "instance_start_failed") && e.message.includes("no-such-program-spear"),
    );
  });

  it("runs an artifact through {artifact} in the command, from a folder without package.json", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spear-artifact-"));
    const path = join(dir, "artifact");
    copyFileSync(resolve("examples/process-js/wc.js"), path);
    const binary: SharedBinary = { sha256: "0".repeat(64), size: 1, path };
    const wc = await create({ command: ["node", "{artifact}"], artifact: { sha256: "0".repeat(64), size: 1 } }, binary);
    expect(await call(wc, "a b a")).toMatchObject({ ok: true, output: { words: 3, unique: 2 } });
    rmSync(dir, { recursive: true, force: true });
  });

  it("moves the CPU limit of a warm worker along, so a long-lived worker is not killed by its lifetime CPU use", async () => {
    const trailing = new ProcessRuntime({ workRoot, cpuHeadroomSeconds: 1 });
    // First soft limit: ceil(1000 ms) + 1 + 1 headroom = 3 CPU seconds; five calls burn about 4.
    const spin = await trailing.createInstance(
      instanceSpec({ command: ["node", "-e", warmWorker("const end = Date.now() + 800; while (Date.now() < end) {} return input;")], limits: { timeoutMs: 1_000 } }),
    );
    instances.push(spin);
    for (let i = 0; i < 5; i++) expect(await call(spin, i, 5_000)).toMatchObject({ ok: true, output: i });
  });
});

describe("process runtime: one process per call", () => {
  it("returns the right output for a JSON input", async () => {
    const sum = await create({ mode: "per-call", command: ["node", "-e", perCallProgram("process.stdout.write(JSON.stringify({ sum: input.values.reduce((a, b) => a + b, 0) }));")] });
    expect(await call(sum, { values: [1, 2, 3.5] })).toMatchObject({ ok: true, output: { sum: 6.5 } });
    expect(await call(sum, { values: [] })).toMatchObject({ ok: true, output: { sum: 0 } });
  });

  it("kills a call at its timeout and the instance serves the next call", async () => {
    const looper = await create({ mode: "per-call", command: ["node", "-e", perCallProgram("if (input.loop) for (;;) {} process.stdout.write(JSON.stringify('done'));")] });
    const o = expectFailure(await call(looper, { loop: true }, 400), "timeout");
    expect(o.instanceBroken).toBe(false);
    expect(await call(looper, { loop: false })).toMatchObject({ ok: true, output: "done" });
  });

  it("reports the memory limit, a failing exit and bad output each with its own code", async () => {
    const program = perCallProgram(`
      if (input === "hog") { const keep = []; for (;;) keep.push(Buffer.alloc(1 << 20, 1)); }
      if (input === "fail") { console.error("no such customer"); process.exit(4); }
      if (input === "garble") { process.stdout.write("{ nope"); return; }
      process.stdout.write(JSON.stringify({ env: process.env }));`);
    const fn = await create({ mode: "per-call", command: ["node", "-e", program], limits: { memoryMb: 96 }, env: { ONLY: "this" } });
    expectFailure(await call(fn, "hog"), "memory_limit_exceeded");
    const failed = expectFailure(await call(fn, "fail"), "function_error");
    expect(failed.error.message).toContain("exited with code 4");
    expect(failed.error.message).toContain("no such customer");
    expectFailure(await call(fn, "garble"), "invalid_output");
    expect(await call(fn, "env")).toMatchObject({ ok: true, output: { env: { PATH: MINIMAL_PATH, ONLY: "this" } } });
  });
});
