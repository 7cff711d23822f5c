import { rm } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { SpearError } from "../../../../domain/errors.js";
import type { CallOptions, InvokeOutcome, RuntimeInstance } from "../runtime.js";
import type { WorkerCommand } from "./command.js";
import { deadline } from "./deadline.js";
import { collectBounded, parseOutput } from "./bounded-output.js";
import { cpuSecondsFor, exceededMemory, prlimitArgs, type WorkerLimits } from "./limits.js";
import type { Confinement } from "./sandbox.js";
import { failed, succeeded, withStderr } from "./outcome.js";
import { abnormal, describeExit, WorkerProcess } from "./worker-process.js";

export interface PerCallProcessConfig {
  readonly id: string;
  readonly prlimit: string;
  readonly command: WorkerCommand;
  readonly env: Record<string, string>;
  readonly dir: string;
  readonly memoryMb: number;
  readonly workerLimits: WorkerLimits;
  readonly confinement: Confinement | undefined;
  readonly maxOutputBytes: number;
  readonly stderrTailBytes: number;
  /** Once every process is gone and the folder removed (the instance's uid may be reused). */
  readonly onTerminated: () => void;
}

/**
 * One process per call: the input as JSON on stdin (then end of input), the output as one JSON
 * value on stdout, exit status 0. A non-zero status is the function's failure, with its stderr as
 * the message. Calls may overlap (each has its own process); a killed call leaves the instance
 * usable.
 */
export class PerCallProcessInstance implements RuntimeInstance {
  private readonly running = new Set<WorkerProcess>();
  private terminating?: Promise<void>;

  constructor(private readonly c: PerCallProcessConfig) {}

  get id(): string {
    return this.c.id;
  }

  async invoke(input: unknown, opts: CallOptions): Promise<InvokeOutcome> {
    if (this.terminating) throw new SpearError("instance_terminated", `instance ${this.c.id} was terminated`);
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    const cpu = cpuSecondsFor(opts.timeoutMs);
    const worker = new WorkerProcess({
      prlimit: this.c.prlimit,
      limitArgs: prlimitArgs(this.c.memoryMb, { soft: cpu, hard: cpu + 1 }, this.c.workerLimits),
      command: this.c.command,
      cwd: this.c.dir,
      env: this.c.env,
      stderrTailBytes: this.c.stderrTailBytes,
      confinement: this.c.confinement,
    });
    this.running.add(worker);
    try {
      const stdout = collectBounded(worker.child.stdout, this.c.maxOutputBytes, () => worker.killGroup());
      worker.child.stdin.on("error", () => undefined);
      worker.child.stdin.end(JSON.stringify(input === undefined ? null : input));
      const timer = deadline(opts.timeoutMs);
      const end = await Promise.race([worker.exited, timer.expired]);
      timer.cancel();
      if (end === "timeout") {
        worker.killGroup();
        await worker.exited;
        return failed("timeout", `no result within ${opts.timeoutMs} ms; the process was killed`, elapsed(), false);
      }
      worker.killGroup(); // whatever it left running in its group
      const stderr = worker.stderr.text();
      if (stdout.overflowed) return failed("output_too_large", `the output is larger than ${this.c.maxOutputBytes} bytes`, elapsed(), false);
      if (end.signal === "SIGXCPU") return failed("timeout", withStderr("the process reached its CPU time limit", stderr), elapsed(), false);
      if (abnormal(end)) {
        const what = `the process ${describeExit(end)}`;
        if (!end.error && exceededMemory(stderr))
          return failed("memory_limit_exceeded", withStderr(`${what}: memory limit of ${this.c.memoryMb} MB`, stderr), elapsed(), false);
        return failed("function_error", withStderr(what, stderr), elapsed(), false);
      }
      const parsed = parseOutput(stdout.text());
      if (!parsed.ok) return failed("invalid_output", withStderr(parsed.problem, stderr), elapsed(), false);
      return succeeded(parsed.value, elapsed());
    } finally {
      this.running.delete(worker);
    }
  }

  terminate(): Promise<void> {
    this.terminating ??= (async () => {
      for (const w of this.running) w.killGroup();
      await Promise.all([...this.running].map((w) => w.exited));
      await rm(this.c.dir, { recursive: true, force: true });
      this.c.onTerminated();
    })();
    return this.terminating;
  }
}
