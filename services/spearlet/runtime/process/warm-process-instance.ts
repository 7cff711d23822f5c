import { rm } from "node:fs/promises";
import type { Readable, Writable } from "node:stream";
import type { Logger } from "../../../logger.js";
import type { RuntimeErrorCode } from "../runtime.js";
import type { WorkerCommand } from "./command.js";
import { cpuSecondsFor, cpuSecondsUsed, exceededMemory, prlimitArgs, setCpuSoftLimit, type WorkerLimits } from "./limits.js";
import type { Confinement } from "./sandbox.js";
import type { OutputTail } from "./output-tail.js";
import { WarmInstance, type Worker } from "./warm-instance.js";
import { abnormal, describeExit, WorkerProcess, type WorkerExit } from "./worker-process.js";

export interface WarmProcessConfig {
  readonly id: string;
  readonly prlimit: string;
  readonly command: WorkerCommand;
  readonly env: Record<string, string>;
  /** The instance's private folder, removed at terminate. */
  readonly dir: string;
  readonly memoryMb: number;
  readonly workerLimits: WorkerLimits;
  readonly confinement: Confinement | undefined;
  /** The function's timeout: the first CPU budget is sized for one call of it. */
  readonly timeoutMs: number;
  readonly startTimeoutMs: number;
  readonly stopGraceMs: number;
  readonly maxLineBytes: number;
  readonly stderrTailBytes: number;
  readonly cpuHeadroomSeconds: number;
  /** Once the worker is gone and the folder removed (the instance's uid may be reused). */
  readonly onTerminated: () => void;
  readonly log: Logger;
}

/** Spawns a warm worker process and resolves once it is ready for calls. */
export function startWarmProcess(c: WarmProcessConfig): Promise<WarmInstance<WorkerExit>> {
  return WarmInstance.start({ ...c, what: "process" }, new WarmProcessWorker(c));
}

/**
 * A long-lived worker process under prlimit.
 *
 * CPU: RLIMIT_CPU counts the whole life of the process, so a fixed limit would end a healthy
 * worker after enough calls. The soft limit trails instead: before a call whose budget would
 * pass it, it is moved to the CPU used so far plus the budget plus some headroom (one
 * `prlimit --pid`, rarely). The wall-clock deadline stops a call first; the CPU limit is the
 * backstop that ends a runaway worker even when the spearlet is gone (workers also exit when
 * their stdin closes, which is part of the protocol).
 */
class WarmProcessWorker implements Worker<WorkerExit> {
  private readonly process: WorkerProcess;
  private cpuSoftLimit: number;

  constructor(private readonly c: WarmProcessConfig) {
    this.cpuSoftLimit = cpuSecondsFor(c.timeoutMs) + c.cpuHeadroomSeconds;
    this.process = new WorkerProcess({
      prlimit: c.prlimit,
      limitArgs: prlimitArgs(c.memoryMb, { soft: this.cpuSoftLimit, hard: "unlimited" }, c.workerLimits),
      command: c.command,
      cwd: c.dir,
      env: c.env,
      stderrTailBytes: c.stderrTailBytes,
      confinement: c.confinement,
    });
  }

  get stdin(): Writable {
    return this.process.child.stdin;
  }
  get stdout(): Readable {
    return this.process.child.stdout;
  }
  get stderr(): OutputTail {
    return this.process.stderr;
  }
  get exited(): Promise<WorkerExit> {
    return this.process.exited;
  }
  get exitInfo(): WorkerExit | undefined {
    return this.process.exitInfo;
  }

  async kill(): Promise<void> {
    this.process.killGroup();
  }

  describe(exit: WorkerExit): string {
    return describeExit(exit);
  }

  classify(exit: WorkerExit, stderr: string): RuntimeErrorCode {
    if (exit.signal === "SIGXCPU") return "timeout";
    if (abnormal(exit) && exceededMemory(stderr)) return "memory_limit_exceeded";
    return "instance_crashed";
  }

  async beforeCall(timeoutMs: number): Promise<void> {
    const pid = this.process.programPid();
    if (pid === undefined) return;
    try {
      const used = await cpuSecondsUsed(pid);
      const needed = cpuSecondsFor(timeoutMs);
      if (used + needed <= this.cpuSoftLimit) return;
      const soft = Math.ceil(used) + needed + this.c.cpuHeadroomSeconds;
      const confined = this.c.confinement;
      await setCpuSoftLimit(this.c.prlimit, pid, soft, confined && { setpriv: confined.tools.setpriv, uid: confined.uid });
      this.cpuSoftLimit = soft;
    } catch (e) {
      // The worker exited meanwhile; the call reports that.
      this.c.log.debug({ instance: this.c.id, err: e }, "could not move the CPU limit");
    }
  }

  async dispose(): Promise<void> {
    await rm(this.c.dir, { recursive: true, force: true });
    this.c.onTerminated();
  }
}
