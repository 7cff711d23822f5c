import { readFileSync } from "node:fs";
import { freemem, totalmem } from "node:os";

/**
 * Memory in use on this node, percent 0..100: from /proc/meminfo's MemAvailable (which counts
 * reclaimable page cache as free, unlike `os.freemem()` on older kernels), else from `os`.
 */
export function nodeMemoryPercent(): number {
  try {
    const info = readFileSync("/proc/meminfo", "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(info)?.[1]);
    const total = kb("MemTotal");
    const available = kb("MemAvailable");
    if (total > 0 && available >= 0) return (100 * (total - available)) / total;
  } catch {
    // not Linux, or /proc not mounted: fall through to what Node knows
  }
  return (100 * (totalmem() - freemem())) / totalmem();
}
