import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import getPort from "get-port";
import { startTimeOf, stillRunning, type ProcessId } from "../../../infra/local/process-identity.js";

export const root = join(import.meta.dirname, "..", "..", "..");

/** A launcher chain started the way a terminal starts it: in a process group (and session) of its own. */
export interface Launched {
  readonly child: ChildProcess;
  /** The process group a terminal would signal: the pid of the first process. */
  readonly group: number;
  readonly dataDir: string;
  readonly ports: { readonly nats: number; readonly redis: number; readonly gateway: number };
  /** Every line on its stdout and stderr, as it came. */
  readonly lines: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function freePorts(): Promise<{ nats: number; redis: number; gateway: number }> {
  return { nats: await getPort({ host: "127.0.0.1" }), redis: await getPort({ host: "127.0.0.1" }), gateway: await getPort({ host: "127.0.0.1" }) };
}

/**
 * Starts `command args` with `--data-dir` and free ports appended, in a new session (a process
 * group of its own, as a shell's job is), capturing its output.
 */
export async function launch(command: string, args: readonly string[], dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<Launched> {
  const ports = await freePorts();
  const all = [...args, "--data-dir", dataDir, "--nats-port", String(ports.nats), "--redis-port", String(ports.redis), "--gateway-port", String(ports.gateway)];
  const child = spawn(command, all, { cwd: root, env: { ...process.env, SPEAR_LOG_LEVEL: "info", ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const lines: string[] = [];
  for (const out of [child.stdout!, child.stderr!]) createInterface({ input: out }).on("line", (l) => lines.push(l));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return { child, group: child.pid!, dataDir, ports, lines, exited };
}

/** Waits until the launcher says it is up (or exits, or `ms` pass). */
export async function waitUp(l: Launched, ms = 150_000): Promise<void> {
  let done = false;
  void l.exited.then(() => (done = true));
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (l.lines.some((line) => line.includes("Ctrl-C stops everything"))) return;
    if (done) throw new Error(`the launcher exited before it was up:\n${l.lines.slice(-30).join("\n")}`);
    await sleep(200);
  }
  throw new Error(`the launcher was not up within ${ms} ms:\n${l.lines.slice(-30).join("\n")}`);
}

/** Every process below `pid` now (children, grandchildren, ...), each with its start time. */
export function descendants(pid: number): ProcessId[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: ProcessId[] = [];
  for (const [p] of parentOf) {
    for (let up = parentOf.get(p); up !== undefined && up > 1; up = parentOf.get(up)) {
      if (up === pid) {
        const startTime = startTimeOf(p);
        if (startTime !== undefined) out.push({ pid: p, startTime });
        break;
      }
    }
  }
  return out;
}

/** The command line of each process still running among `ids`. */
export function survivors(ids: readonly ProcessId[]): string[] {
  return ids.filter((id) => stillRunning(id)).map((id) => `${id.pid} ${commandLine(id.pid)}`);
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "?";
  }
}

/** Waits until none of `ids` runs; returns how long that took, or throws naming the survivors. */
export async function allGone(ids: readonly ProcessId[], ms: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (survivors(ids).length === 0) return Date.now() - start;
    await sleep(100);
  }
  throw new Error(`still running after ${ms} ms:\n${survivors(ids).join("\n")}`);
}

/** Whether nothing listens on `port` (on loopback). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** JSON log lines at error level or above (pino: 50 error, 60 fatal). */
export function errorLines(lines: readonly string[]): string[] {
  return lines.filter((line) => {
    if (!line.startsWith("{")) return /\berror\b/i.test(line);
    try {
      return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50;
    } catch {
      return false;
    }
  });
}

/** The JSON log lines written at or after `since` (ms since the epoch) in a log file. */
export function logLinesSince(file: string, since: number): string[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter((line) => {
    if (!line.startsWith("{")) return false;
    try {
      return ((JSON.parse(line) as { time?: number }).time ?? 0) >= since;
    } catch {
      return false;
    }
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
