import type Docker from "dockerode";
import type { ContainerCreateOptions } from "dockerode";
import { performance } from "node:perf_hooks";
import { SpearError } from "../../../../domain/errors.js";
import { collectBounded, parseOutput } from "../process/bounded-output.js";
import { deadline } from "../process/deadline.js";
import { failed, succeeded, withStderr } from "../process/outcome.js";
import type { CallOptions, InvokeOutcome, RuntimeInstance } from "../runtime.js";
import { AttachedContainer, describeContainerExit } from "./attached-container.js";
import { LABEL } from "./labels.js";

export interface PerCallContainerConfig {
  readonly id: string;
  readonly docker: Docker;
  readonly create: ContainerCreateOptions;
  readonly memoryMb: number;
  readonly maxOutputBytes: number;
  readonly stderrTailBytes: number;
}

/**
 * One container per call: the input as JSON on stdin (then end of input), the output as one
 * JSON value on stdout, exit status 0; the container is removed after the call. Calls may
 * overlap; a killed call leaves the instance usable.
 */
export class PerCallContainerInstance implements RuntimeInstance {
  private readonly running = new Set<AttachedContainer>();
  private terminating?: Promise<void>;

  constructor(private readonly c: PerCallContainerConfig) {}

  get id(): string {
    return this.c.id;
  }

  async invoke(input: unknown, opts: CallOptions): Promise<InvokeOutcome> {
    if (this.terminating) throw new SpearError("instance_terminated", `instance ${this.c.id} was terminated`);
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    const create = { ...this.c.create, Labels: { ...this.c.create.Labels, [LABEL.invocation]: opts.invocationId } };
    // The deadline covers the container's start too: that is part of the call's cost.
    const timer = deadline(opts.timeoutMs);
    let container: AttachedContainer;
    try {
      const start = AttachedContainer.start(this.c.docker, create, this.c.stderrTailBytes);
      const first = await Promise.race([start, timer.expired]);
      if (first === "timeout") {
        void start.then((late) => late.remove()).catch(() => undefined);
        return failed("timeout", `the container did not start within ${opts.timeoutMs} ms`, elapsed(), false);
      }
      container = first;
    } catch (e) {
      timer.cancel();
      return failed("runtime_unavailable", (e as Error).message, elapsed(), false);
    }
    this.running.add(container);
    try {
      const stdout = collectBounded(container.stdout, this.c.maxOutputBytes, () => void container.kill());
      container.stdin.end(JSON.stringify(input === undefined ? null : input));
      const end = await Promise.race([container.exited, timer.expired]);
      if (end === "timeout") {
        await container.kill();
        return failed("timeout", `no result within ${opts.timeoutMs} ms; the container was killed`, elapsed(), false);
      }
      const stderr = container.stderr.text();
      if (stdout.overflowed) return failed("output_too_large", `the output is larger than ${this.c.maxOutputBytes} bytes`, elapsed(), false);
      if (end.oomKilled)
        return failed("memory_limit_exceeded", withStderr(`the container ${describeContainerExit(end)} of ${this.c.memoryMb} MB`, stderr), elapsed(), false);
      if (end.code !== 0) return failed("function_error", withStderr(`the container ${describeContainerExit(end)}`, stderr), elapsed(), false);
      const parsed = parseOutput(stdout.text());
      if (!parsed.ok) return failed("invalid_output", withStderr(parsed.problem, stderr), elapsed(), false);
      return succeeded(parsed.value, elapsed());
    } finally {
      timer.cancel();
      this.running.delete(container);
      await container.remove().catch(() => undefined);
    }
  }

  terminate(): Promise<void> {
    this.terminating ??= Promise.all([...this.running].map((c) => c.remove().catch(() => undefined))).then(() => undefined);
    return this.terminating;
  }
}
