import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Resource limits of a worker, set by `prlimit` before it execs the function's program.
 *
 * Memory is RLIMIT_DATA, not RLIMIT_AS: since Linux 4.7 it counts every private writable
 * mapping (heap, anonymous mmap), which is what a function really uses, while address-space
 * limits break runtimes that reserve large virtual ranges up front (V8, Go, the JVM) long
 * before they touch them. Core dumps are off: a crashing worker must not fill its folder.
 */
export function prlimitArgs(memoryMb: number, cpu: { soft: number; hard: number | "unlimited" }): string[] {
  const bytes = memoryMb * 1024 * 1024;
  return [`--data=${bytes}:${bytes}`, `--cpu=${cpu.soft}:${cpu.hard}`, "--core=0:0"];
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

/** Moves the soft CPU limit of a running process (raising a soft limit up to the hard one needs no privilege). */
export async function setCpuSoftLimit(prlimit: string, pid: number, soft: number): Promise<void> {
  await run(prlimit, ["--pid", String(pid), `--cpu=${soft}:unlimited`]);
}
