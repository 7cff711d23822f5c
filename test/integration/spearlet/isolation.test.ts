import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FunctionSpec } from "../../../domain/events/function.js";
import { ProcessRuntime } from "../../../services/spearlet/runtime/process/process-runtime.js";
import type { InvokeOutcome, RuntimeInstance } from "../../../services/spearlet/runtime/runtime.js";
import { eventually } from "../../support/nats.js";
import { withoutBaseFolder } from "../../support/confined-view.js";

/**
 * Process functions run isolated (issue 12): against the real runtime, as root (as CI runs),
 * each worker is in PID, mount and network namespaces of its own, as a uid of its own, with
 * limits on processes, open files and file size. Where the machine cannot confine workers,
 * the runtime reports each missing mechanism instead.
 */

const root = process.getuid?.() === 0;
const workRoot = mkdtempSync(join(tmpdir(), "spear-isolation-test-"));
const runtime = new ProcessRuntime({ workRoot, maxOpenFiles: 300, maxFileMb: 2, maxProcesses: 40 });
const instances: RuntimeInstance[] = [];
let seq = 0;
let listener: Server;
let port: number;

beforeAll(async () => {
  // Stands in for NATS: a TCP listener on the host's loopback interface.
  listener = createServer((socket) => socket.end("hello\n"));
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  port = (listener.address() as { port: number }).port;
  expect(await runtime.available()).toEqual({ ok: true });
});

afterAll(async () => {
  await Promise.all(instances.map((i) => i.terminate()));
  await new Promise((resolve) => listener.close(resolve));
  rmSync(workRoot, { recursive: true, force: true });
});

/** A per-call JavaScript program: `body` computes `out` from `input` (which it reads from stdin), asynchronously if it likes. */
const program = (body: string) => `
let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (c) => (text += c));
process.stdin.on("end", async () => {
  const input = JSON.parse(text);
  const fs = require("fs");
  const attempt = (f) => { try { return f(); } catch (e) { return e.code; } };
  const out = await (async () => { ${body} })();
  process.stdout.write(JSON.stringify(out ?? null));
});`;

async function create(spec: Record<string, unknown>, r = runtime): Promise<RuntimeInstance> {
  seq += 1;
  const instance = await r.createInstance({ instanceId: `iso${seq}`, function: "iso", version: 1, spec: FunctionSpec.parse({ runtime: "process", ...spec }) });
  instances.push(instance);
  return instance;
}

const call = (i: RuntimeInstance, input: unknown, timeoutMs = 10_000) => i.invoke(input, { invocationId: `inv-${++seq}`, timeoutMs });

function output<T>(o: InvokeOutcome): T {
  if (!o.ok) throw new Error(`${o.error.code}: ${o.error.message}`);
  return o.output as T;
}

/** Host pids whose command line holds `marker`. */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ").includes(marker)) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe.skipIf(!root)("process isolation (as root)", () => {
  it("reports no isolation gaps when it runs as root", () => {
    expect(runtime.isolationGaps()).toEqual([]);
  });

  it("cannot read the spearlet's environment: not its own, not through /proc", async () => {
    process.env.SPEAR_ISOLATION_SECRET = "must-not-leak";
    const snoop = await create({
      mode: "per-call",
      env: { GREETING: "hi" },
      command: [
        "node",
        "-e",
        program(`return {
          env: process.env,
          pid: process.pid,
          ppid: process.ppid,
          parentEnv: attempt(() => fs.readFileSync("/proc/" + process.ppid + "/environ", "utf8")),
          spearletEnv: attempt(() => fs.readFileSync("/proc/" + input + "/environ", "utf8")),
          pids: fs.readdirSync("/proc").filter((n) => /^\\d+$/.test(n)).map(Number),
        };`),
      ],
    });
    const out = output<{ env: Record<string, string>; ppid: number; parentEnv: string; spearletEnv: string; pids: number[] }>(await call(snoop, process.pid));
    expect(out.env).toEqual({ PATH: "/usr/local/bin:/usr/bin:/bin", GREETING: "hi" });
    // Its parent is its namespace's init, which runs as root: the worker may not read it.
    expect(out.ppid).toBe(1);
    expect(out.parentEnv).toBe("EACCES");
    // The spearlet is not in the worker's PID namespace at all.
    expect(out.spearletEnv).toBe("ENOENT");
    expect(Math.max(...out.pids)).toBeLessThan(20);
    expect(JSON.stringify(out)).not.toContain("must-not-leak");
  });

  it("runs each instance as a uid of its own, with no access to another instance's files, and with its limits", async () => {
    const spec = {
      mode: "per-call",
      command: [
        "node",
        "-e",
        program(`
          if (input.write) fs.writeFileSync("/tmp/mine.txt", "secret", { mode: 0o644 });
          return {
            uid: process.getuid(),
            gid: process.getgid(),
            cwd: process.cwd(),
            files: fs.readdirSync("/tmp"),
            other: input.other ? attempt(() => fs.readdirSync(input.other)) : null,
            limits: fs.readFileSync("/proc/self/limits", "utf8"),
          };`),
      ],
    };
    const a = await create(spec);
    const b = await create(spec);
    const outA = output<{ uid: number; gid: number; cwd: string; files: string[]; limits: string }>(await call(a, { write: true }));
    expect(outA.uid).not.toBe(0);
    expect(outA.gid).toBe(outA.uid);
    expect(outA.cwd).toBe("/tmp");
    expect(withoutBaseFolder(outA.files)).toEqual(["mine.txt"]);
    expect(outA.limits).toMatch(/Max open files\s+300\s+300/);
    expect(outA.limits).toMatch(new RegExp(`Max file size\\s+${2 * 1024 * 1024}\\s+${2 * 1024 * 1024}`));
    expect(outA.limits).toMatch(/Max processes\s+40\s+40/);

    const folderOfA = readdirSync(workRoot).find((d) => d.startsWith("iso") && readdirSync(join(workRoot, d)).includes("mine.txt"));
    expect(folderOfA).toBeDefined();
    const outB = output<{ uid: number; files: string[]; other: unknown }>(await call(b, { other: join(workRoot, folderOfA!) }));
    expect(outB.uid).not.toBe(outA.uid);
    expect(withoutBaseFolder(outB.files)).toEqual([]);
    // A's folder by its host path: hidden under B's own /tmp here, and in a spearlet's node
    // folder (the spearlet's alone, mode 0700) out of reach.
    expect(outB.other).toMatch(/^(ENOENT|EACCES)$/);
  });

  it("stops a function that writes a file past its file-size limit", async () => {
    const writer = await create({ mode: "per-call", command: ["sh", "-c", "head -c 3000000 /dev/zero > /tmp/big; echo $?"] });
    const o = await call(writer, null);
    // SIGXFSZ ends the writer; the shell goes on and reports its status.
    expect(output<number>(o)).toBe(128 + 25);
  });

  it("leaves no process behind after a per-call timeout, not even one started with setsid", async () => {
    const marker = `${1000 + Math.floor(Math.random() * 1000)}.${seq}`;
    const hang = await create({ mode: "per-call", command: ["sh", "-c", `setsid sleep ${marker} & sleep 600`], limits: { timeoutMs: 500 } });
    const pending = call(hang, null, 500);
    await eventually(() => (processesWith(`sleep ${marker}`).length > 0 ? true : undefined), 5_000);
    const o = await pending;
    expect(o).toMatchObject({ ok: false, error: { code: "timeout" } });
    await eventually(() => (processesWith(`sleep ${marker}`).length === 0 ? true : undefined), 5_000);
  });

  it("leaves no process behind when a warm worker is killed at its timeout or stopped", async () => {
    const marker = `${2000 + Math.floor(Math.random() * 1000)}.${seq}`;
    const worker = `
      const { spawn } = require("child_process");
      process.stdout.write(JSON.stringify({ ready: true }) + "\\n");
      process.stdin.on("data", (line) => {
        const req = JSON.parse(line);
        spawn("setsid", ["sleep", "${marker}"], { stdio: "ignore", detached: true }).unref();
        if (req.input !== "hang") process.stdout.write(JSON.stringify({ id: req.id, output: "spawned" }) + "\\n");
      });`;
    const warm = await create({ command: ["node", "-e", worker], limits: { timeoutMs: 500 } });
    expect(output(await call(warm, "once"))).toBe("spawned");
    await eventually(() => (processesWith(`sleep ${marker}`).length > 0 ? true : undefined), 5_000);
    expect(await call(warm, "hang", 500)).toMatchObject({ ok: false, error: { code: "timeout" }, instanceBroken: true });
    await eventually(() => (processesWith(`sleep ${marker}`).length === 0 ? true : undefined), 5_000);

    const stopped = await create({ command: ["node", "-e", worker] });
    expect(output(await call(stopped, "once"))).toBe("spawned");
    await eventually(() => (processesWith(`sleep ${marker}`).length > 0 ? true : undefined), 5_000);
    await stopped.terminate();
    await eventually(() => (processesWith(`sleep ${marker}`).length === 0 ? true : undefined), 5_000);
  });

  it("cannot open a TCP connection to a listener on the host's 127.0.0.1 unless its spec grants network", async () => {
    const connect = program(`
      return await new Promise((resolve) => {
        const s = require("net").connect(input, "127.0.0.1");
        s.setTimeout(2000, () => { s.destroy(); resolve("timed out"); });
        s.on("data", (d) => { s.destroy(); resolve(String(d).trim()); });
        s.on("error", (e) => resolve(e.code));
      });`);
    const denied = await create({ mode: "per-call", command: ["node", "-e", connect] });
    expect(output(await call(denied, port))).toMatch(/^(ENETUNREACH|ECONNREFUSED|EADDRNOTAVAIL)$/);
    const interfaces = await create({
      mode: "per-call",
      command: ["node", "-e", program(`return fs.readFileSync("/proc/net/dev", "utf8").split("\\n").slice(2).filter(Boolean).map((l) => l.split(":")[0].trim());`)],
    });
    expect(output(await call(interfaces, null))).toEqual(["lo"]);

    const granted = await create({ mode: "per-call", command: ["node", "-e", connect], grants: { network: true } });
    expect(output(await call(granted, port))).toBe("hello");
  });
});

describe("process isolation: what cannot be had is reported", () => {
  it("lists every missing mechanism, with the reason, when workers are not confined", async () => {
    const plain = new ProcessRuntime({ workRoot, confine: false });
    expect(await plain.available()).toEqual({ ok: true });
    const gaps = plain.isolationGaps();
    expect(gaps.length).toBeGreaterThan(0);
    expect(gaps[0]!.reason).toContain("turned off");
  });
});
