import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { constants } from "node:os";
import type { WorkerCommand } from "./command.js";
import { OutputTail } from "./output-tail.js";
import { childOf } from "./proc-tree.js";
import { confinedArgv, type Confinement } from "./sandbox.js";

export interface WorkerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The spawn itself failed (prlimit missing, folder gone). */
  readonly error?: string;
}

export interface WorkerLaunch {
  readonly prlimit: string;
  readonly limitArgs: readonly string[];
  readonly command: WorkerCommand;
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly stderrTailBytes: number;
  /** Run in namespaces of its own as its instance's user (see sandbox.ts); absent where the machine cannot. */
  readonly confinement?: Confinement | undefined;
}

const signalNames = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

/**
 * A confined worker's status comes through its namespace's shell init, which reports a death by
 * signal N as status 128 + N, as shells and container engines do. (A program that itself exits
 * with such a status reads the same; none of the usual ones do.)
 */
function fromInit(code: number | null, signal: NodeJS.Signals | null): WorkerExit {
  const bySignal = code !== null && code > 128 ? signalNames.get(code - 128) : undefined;
  return bySignal ? { code: null, signal: bySignal } : { code, signal };
}

/**
 * One OS process of a function: `prlimit <limits> -- <program> <args>` (prlimit sets the limits
 * on itself, then execs the program), confined when the launch says so, in a process group of
 * its own so that a kill takes whatever it spawned too (and, confined, its whole PID namespace).
 */
export class WorkerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stderr: OutputTail;
  /** Resolves once the process has exited and its pipes are closed. */
  readonly exited: Promise<WorkerExit>;
  private exit?: WorkerExit;
  private readonly confined: boolean;
  private program?: number | undefined;

  constructor(launch: WorkerLaunch) {
    this.stderr = new OutputTail(launch.stderrTailBytes);
    this.confined = launch.confinement !== undefined;
    const inner = [launch.prlimit, ...launch.limitArgs, "--", launch.command.file, ...launch.command.args];
    const [file, ...args] = launch.confinement ? confinedArgv(launch.confinement, inner) : inner;
    this.child = spawn(file!, args, {
      cwd: launch.cwd,
      env: launch.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    this.child.stderr.on("data", (chunk: Buffer) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => {
      const ended = (exit: WorkerExit) => resolve((this.exit ??= exit));
      this.child.on("error", (e) => {
        // An error before the process existed may not be followed by 'close'; later ones (a
        // failed kill) change nothing.
        if (this.child.pid === undefined) ended({ code: null, signal: null, error: e.message });
      });
      this.child.once("close", (code, signal) => ended(this.confined ? fromInit(code, signal) : { code, signal }));
    });
  }

  /** The pid of the function's program itself (a confined one runs under unshare and the namespace's init). */
  programPid(): number | undefined {
    const pid = this.child.pid;
    if (!this.confined || pid === undefined) return pid;
    if (this.program === undefined) {
      const init = childOf(pid);
      this.program = init === undefined ? undefined : childOf(init);
    }
    return this.program;
  }

  get exitInfo(): WorkerExit | undefined {
    return this.exit;
  }

  /**
   * SIGKILL to the whole process group, also after the leader exited: what it spawned keeps the
   * group (and so its id) alive until killed. A confined worker's namespace goes with its
   * unshare (`--kill-child`), `setsid`-ed processes included.
   */
  killGroup(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // the group is empty already
    }
  }
}

/** "exited with code 3", "was killed by SIGKILL", for messages. */
export function describeExit(exit: WorkerExit | undefined): string {
  if (!exit) return "is gone";
  if (exit.error) return `could not start (${exit.error})`;
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

export const abnormal = (exit: WorkerExit | undefined) => !exit || exit.error !== undefined || exit.signal !== null || exit.code !== 0;
