import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { WorkerCommand } from "./command.js";
import { OutputTail } from "./output-tail.js";

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
}

/**
 * One OS process of a function: `prlimit <limits> -- <program> <args>` (prlimit sets the limits
 * on itself, then execs the program, so the pid is the program's), in a process group of its
 * own so that a kill takes whatever it spawned too.
 */
export class WorkerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stderr: OutputTail;
  /** Resolves once the process has exited and its pipes are closed. */
  readonly exited: Promise<WorkerExit>;
  private exit?: WorkerExit;

  constructor(launch: WorkerLaunch) {
    this.stderr = new OutputTail(launch.stderrTailBytes);
    this.child = spawn(launch.prlimit, [...launch.limitArgs, "--", launch.command.file, ...launch.command.args], {
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
      this.child.once("close", (code, signal) => ended({ code, signal }));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exitInfo(): WorkerExit | undefined {
    return this.exit;
  }

  /**
   * SIGKILL to the whole process group, also after the leader exited: what it spawned keeps the
   * group (and so its id) alive until killed.
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
