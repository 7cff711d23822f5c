import { cpus, loadavg, totalmem } from "node:os";
import { nodeMemoryPercent } from "../pool/node-memory.js";

export interface NodeUsage {
  /** Node CPU busy time over the time since the previous sample, percent of all cores. */
  readonly cpuPercent: number;
  readonly memoryMb: number;
  readonly memoryPercent: number;
  readonly load1: number;
}

const MIB = 1_048_576;

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}

/**
 * Node-wide usage as the scheduler weighs it: CPU over the interval since the last sample
 * (the report interval), memory in use from MemAvailable, the 1-minute load average.
 */
export class UsageSampler {
  #last = cpuTimes();
  #cpuPercent = 0;

  /** Takes a new CPU sample (call once per report). */
  sample(): NodeUsage {
    const now = cpuTimes();
    const total = now.total - this.#last.total;
    if (total > 0) this.#cpuPercent = Math.min(100, Math.max(0, (100 * (now.busy - this.#last.busy)) / total));
    this.#last = now;
    return this.peek();
  }

  /** The latest figures without starting a new CPU interval (stats and health). */
  peek(): NodeUsage {
    const memoryPercent = Math.min(100, Math.max(0, nodeMemoryPercent()));
    return {
      cpuPercent: round(this.#cpuPercent),
      memoryMb: round((memoryPercent / 100) * (totalmem() / MIB)),
      memoryPercent: round(memoryPercent),
      load1: round(Math.max(0, loadavg()[0] ?? 0)),
    };
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
