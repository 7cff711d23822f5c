import { readFileSync } from "node:fs";

/**
 * A process as the launcher records it: its pid and the time it started (clock ticks after boot,
 * from /proc/<pid>/stat). Together they name one process: a pid the kernel gave to another
 * program later has another start time, so it is never mistaken for ours.
 */
export interface ProcessId {
  readonly pid: number;
  readonly startTime?: number;
}

/** Field 3 (state) and field 22 (starttime) of /proc/<pid>/stat, after the `(comm)` field. */
function stat(pid: number): { state: string; startTime: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const startTime = Number(fields[19]);
    return { state: fields[0] ?? "", startTime };
  } catch {
    return undefined;
  }
}

/** When `pid` started (clock ticks after boot); undefined when it does not run (or on a system without /proc). */
export function startTimeOf(pid: number): number | undefined {
  const s = stat(pid);
  return s && s.state !== "Z" && Number.isFinite(s.startTime) ? s.startTime : undefined;
}

/** Running, and not a zombie waiting for whatever adopted it to reap it. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const s = stat(pid);
  return s === undefined ? true : s.state !== "Z";
}

/** The command line of `pid` (arguments joined by spaces), or undefined. */
export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return undefined;
  }
}

/**
 * Whether the process `id` names still runs: the same pid with the same start time. When no
 * start time was recorded, `looksLikeIt` judges the command line instead.
 */
export function stillRunning(id: ProcessId, looksLikeIt: (commandLine: string) => boolean = () => true): boolean {
  if (!Number.isInteger(id.pid) || id.pid <= 1 || !isRunning(id.pid)) return false;
  if (id.startTime !== undefined) return startTimeOf(id.pid) === id.startTime;
  const cmd = commandLineOf(id.pid);
  return cmd === undefined ? true : looksLikeIt(cmd);
}

/** `id` with its start time read now (just after it was spawned). */
export function identify(pid: number): ProcessId {
  const startTime = startTimeOf(pid);
  return startTime === undefined ? { pid } : { pid, startTime };
}

/** Sends `signal` to the process `id` names if it is still that process; true when sent. */
export function signalIfSame(id: ProcessId, signal: NodeJS.Signals, looksLikeIt?: (commandLine: string) => boolean): boolean {
  if (!stillRunning(id, looksLikeIt)) return false;
  try {
    process.kill(id.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops the process `id` names, by pid (it need not be our child): SIGTERM, then SIGKILL if it
 * still runs after `graceMs`. Resolves once it is gone; false when it was not running (or not ours).
 */
export async function endProcess(id: ProcessId, graceMs: number, looksLikeIt?: (commandLine: string) => boolean): Promise<boolean> {
  if (!signalIfSame(id, "SIGTERM", looksLikeIt)) return false;
  const deadline = Date.now() + graceMs;
  while (stillRunning(id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (signalIfSame(id, "SIGKILL")) {
    const killDeadline = Date.now() + 5_000;
    while (stillRunning(id) && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** How a child process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Date.now() when it ended. */
  readonly at: number;
}

/** `exited with code 1`, `killed by SIGKILL` */
export const describeExit = (e: { readonly code: number | null; readonly signal: string | null }) =>
  e.signal ? `killed by ${e.signal}` : e.code === null ? "ended" : `exited with code ${e.code}`;
