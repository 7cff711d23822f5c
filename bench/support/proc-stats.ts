import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux almost everywhere). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface ProcSample {
  /** user + system CPU time since the process started, ms. */
  readonly cpuMs: number;
  /** Resident set size, MiB. */
  readonly rssMb: number;
  /** When sampled (performance.now(), ms). */
  readonly at: number;
}

/** CPU time (utime + stime from /proc/<pid>/stat) and RSS (VmRSS from /proc/<pid>/status) of a process. */
export function sampleProcess(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces and parentheses: fields are counted after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuMs: (ticks * 1000) / clockTicks(), rssMb: rssKb / 1024, at: performance.now() };
}

/**
 * Follows one process over a window: CPU time used between `start` and `stop` as a percentage
 * of one core, and its RSS sampled every second (peak and last).
 */
export class ProcessWatch {
  #first?: ProcSample;
  #last?: ProcSample;
  #peakRss = 0;
  #timer?: NodeJS.Timeout;

  constructor(readonly pid: number) {}

  start(): void {
    this.#first = sampleProcess(this.pid);
    this.#peakRss = this.#first.rssMb;
    this.#timer = setInterval(() => {
      try {
        this.#peakRss = Math.max(this.#peakRss, sampleProcess(this.pid).rssMb);
      } catch {
        // the process ended; stop() reports what was seen
      }
    }, 1_000);
  }

  stop(): { cpuPercent: number; cpuMs: number; windowMs: number; rssMb: number; peakRssMb: number } {
    clearInterval(this.#timer);
    if (!this.#first) throw new Error("ProcessWatch.stop() before start()");
    this.#last = sampleProcess(this.pid);
    this.#peakRss = Math.max(this.#peakRss, this.#last.rssMb);
    const cpuMs = this.#last.cpuMs - this.#first.cpuMs;
    const windowMs = this.#last.at - this.#first.at;
    return { cpuPercent: (100 * cpuMs) / windowMs, cpuMs, windowMs, rssMb: this.#last.rssMb, peakRssMb: this.#peakRss };
  }
}

/**
 * Runs `fn` and returns the CPU time (user + system, ms) each named process used meanwhile:
 * what a unit of work costs across every process that takes part in it.
 */
export async function cpuDuring<T>(pids: Readonly<Record<string, number>>, fn: () => Promise<T>): Promise<{ result: T; cpuMs: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, sampleProcess(pid).cpuMs]));
  const result = await fn();
  const cpuMs = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, sampleProcess(pid).cpuMs - before[name]!]));
  return { result, cpuMs };
}
