import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Limits every worker of a runtime gets, whatever its function. */
export interface WorkerLimits {
  /** RLIMIT_NOFILE: descriptors open at once. */
  readonly openFiles: number;
  /** RLIMIT_FSIZE: the largest file a worker may write. */
  readonly fileMb: number;
  /** RLIMIT_NPROC: processes of the worker's user; only set when the worker has a user of its own (it counts per user). */
  readonly processes: number | null;
}

/**
 * Resource limits of a worker, set by `prlimit` before it execs the function's program.
 *
 * Memory is RLIMIT_DATA, not RLIMIT_AS: since Linux 4.7 it counts every private writable
 * mapping (heap, anonymous mmap), which is what a function really uses, while address-space
 * limits break runtimes that reserve large virtual ranges up front (V8, Go, the JVM) long
 * before they touch them. Core dumps are off: a crashing worker must not fill its folder.
 */
export function prlimitArgs(memoryMb: number, cpu: { soft: number; hard: number | "unlimited" }, w: WorkerLimits): string[] {
  const bytes = memoryMb * 1024 * 1024;
  const fileBytes = w.fileMb * 1024 * 1024;
  return [
    `--data=${bytes}:${bytes}`,
    `--cpu=${cpu.soft}:${cpu.hard}`,
    "--core=0:0",
    `--nofile=${w.openFiles}:${w.openFiles}`,
    `--fsize=${fileBytes}:${fileBytes}`,
    ...(w.processes === null ? [] : [`--nproc=${w.processes}:${w.processes}`]),
  ];
}

/** CPU seconds a call may burn: the wall-clock timeout rounded up, plus one (RLIMIT_CPU counts whole seconds). */
export const cpuSecondsFor = (timeoutMs: number) => Math.ceil(timeoutMs / 1000) + 1;

/**
 * The messages the common runtimes print when an allocation is refused: C's perror / strerror
 * (ENOMEM), V8 and Node, C++ `std::bad_alloc`, Python, Go, Rust, the JVM.
 */
const allocationFailure =
  /cannot allocate memory|out of memory|allocation failed|bad_alloc|MemoryError|memory allocation of \d+ bytes failed|OutOfMemoryError|\bENOMEM\b/i;

/**
 * RLIMIT_DATA leaves no trace of its own: the kernel refuses the allocation and the program
 * fails in its own way. A worker that ended abnormally (non-zero status or a signal) and whose
 * last stderr says an allocation was refused is taken to have hit its memory limit; any other
 * abnormal end is a crash. A program that reports a refused allocation and carries on is not
 * affected: only abnormal ends are classified.
 */
export function exceededMemory(stderrTail: string): boolean {
  return allocationFailure.test(stderrTail);
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (ticks of USER_HZ = 100 on Linux). */
export async function cpuSecondsUsed(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which may hold spaces and is closed by the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Moves the soft CPU limit of a running process (raising a soft limit up to the hard one needs
 * no privilege). A worker running as its own user is changed as that user: changing another
 * user's limits takes CAP_SYS_RESOURCE in the worker's user namespace, which root in a
 * container or VM may lack.
 */
export async function setCpuSoftLimit(prlimit: string, pid: number, soft: number, as?: { readonly setpriv: string; readonly uid: number }): Promise<void> {
  const args = ["--pid", String(pid), `--cpu=${soft}:unlimited`];
  if (!as) await run(prlimit, args);
  else await run(as.setpriv, [`--reuid=${as.uid}`, `--regid=${as.uid}`, "--clear-groups", "--", prlimit, ...args]);
}
