import { readdirSync, readFileSync } from "node:fs";

/** The parent pid of a process, from /proc/<pid>/stat; undefined when it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may hold spaces and is closed by the last ')'.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/**
 * The first child of `pid` found in /proc (the kernel here may lack /proc/<pid>/task/<tid>/children).
 * A confined worker is a grandchild of the spearlet's child (unshare, then the namespace's
 * init), and its CPU limit is moved on the worker itself. Read synchronously: a few hundred tiny
 * files take milliseconds, while as many asynchronous reads queue behind the thread pool.
 */
export function childOf(pid: number): number | undefined {
  for (const name of readdirSync("/proc")) {
    const candidate = Number(name);
    if (Number.isInteger(candidate) && parentOf(candidate) === pid) return candidate;
  }
  return undefined;
}
