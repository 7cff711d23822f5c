import { performance } from "node:perf_hooks";
import type { Readable, Writable } from "node:stream";
import { SpearError } from "../../../../domain/errors.js";
import type { Logger } from "../../../logger.js";
import type { CallOptions, InvokeOutcome, RuntimeErrorCode, RuntimeInstance } from "../runtime.js";
import { deadline } from "./deadline.js";
import { JsonLinesChannel } from "./json-lines-channel.js";
import { failed, fromWorkerResult, withStderr } from "./outcome.js";
import type { OutputTail } from "./output-tail.js";

/** A running worker (a process or a container) as a warm instance sees it. */
export interface Worker<Exit> {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: OutputTail;
  /** Resolves once the worker has ended, with what the runtime knows of how. */
  readonly exited: Promise<Exit>;
  readonly exitInfo: Exit | undefined;
  /** Stops it at once (SIGKILL to its process group, or to the container). */
  kill(): Promise<void>;
  /** "exited with code 3" */
  describe(exit: Exit): string;
  /** What an exit during a call means for that call (memory limit, CPU limit, crash). */
  classify(exit: Exit, stderr: string): RuntimeErrorCode;
  /** Runs before each call (the process runtime moves the CPU limit here). */
  beforeCall?(timeoutMs: number): Promise<void>;
  /** Frees what is left once the worker has ended (its folder, its container). */
  dispose(): Promise<void>;
}

export interface WarmInstanceConfig {
  readonly id: string;
  /** "process", "container": for messages. */
  readonly what: string;
  readonly startTimeoutMs: number;
  readonly stopGraceMs: number;
  readonly maxLineBytes: number;
  /** Named in the message of a memory failure. */
  readonly memoryMb: number;
  readonly log: Logger;
}

/**
 * A long-lived worker speaking the JSON-lines protocol (./protocol.ts), one call at a time: the
 * common part of warm processes and warm containers. A call that passes its deadline gets the
 * worker killed (`timeout`, instance broken); a worker that breaks the protocol is killed
 * (`invalid_output`, broken); one that dies during a call is classified by its runtime.
 */
export class WarmInstance<Exit> implements RuntimeInstance {
  private readonly channel: JsonLinesChannel;
  /** Why the worker cannot serve any more, once it cannot. */
  private brokenBy?: string;
  private inCall = false;
  private terminating?: Promise<void>;

  private constructor(
    private readonly c: WarmInstanceConfig,
    private readonly worker: Worker<Exit>,
  ) {
    this.channel = new JsonLinesChannel(worker.stdin, worker.stdout, c.maxLineBytes, (problem) => {
      this.brokenBy ??= `it broke the protocol (${problem})`;
      c.log.warn({ instance: c.id, problem }, `${c.what} worker broke the JSON-lines protocol; killing it`);
      void worker.kill();
    });
    void worker.exited.then((exit) => {
      this.brokenBy ??= `the ${c.what} ${worker.describe(exit)}`;
      this.channel.close();
    });
  }

  get id(): string {
    return this.c.id;
  }

  /** Resolves once the worker has written `{"ready":true}`; otherwise cleans up and fails. */
  static async start<Exit>(config: WarmInstanceConfig, worker: Worker<Exit>): Promise<WarmInstance<Exit>> {
    const instance = new WarmInstance(config, worker);
    const timer = deadline(config.startTimeoutMs);
    try {
      const r = await Promise.race([instance.channel.ready().then(() => "ready" as const), timer.expired]);
      if (r === "timeout") throw new Error(`no {"ready":true} within ${config.startTimeoutMs} ms`);
    } catch (e) {
      const exit = worker.exitInfo;
      const why = exit ? `the ${config.what} ${worker.describe(exit)}` : (e as Error).message;
      await instance.terminate();
      throw new SpearError("instance_start_failed", withStderr(`${config.what} instance ${config.id} did not start: ${why}`, worker.stderr.text()), {
        instance: config.id,
      });
    } finally {
      timer.cancel();
    }
    return instance;
  }

  async invoke(input: unknown, opts: CallOptions): Promise<InvokeOutcome> {
    if (this.terminating) throw new SpearError("instance_terminated", `instance ${this.c.id} was terminated`);
    if (this.inCall) throw new SpearError("instance_busy", `instance ${this.c.id} is running another call`);
    if (this.brokenBy) return failed("instance_crashed", `instance ${this.c.id} cannot serve: ${this.brokenBy}`, 0, true);
    this.inCall = true;
    try {
      return await this.run(input, opts);
    } finally {
      this.inCall = false;
    }
  }

  terminate(): Promise<void> {
    this.terminating ??= this.stop();
    return this.terminating;
  }

  private async run(input: unknown, opts: CallOptions): Promise<InvokeOutcome> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    await this.worker.beforeCall?.(opts.timeoutMs);
    const mark = this.worker.stderr.mark();
    const timer = deadline(opts.timeoutMs);
    const end = await Promise.race([this.channel.call(opts.invocationId, input), timer.expired]);
    timer.cancel();
    if (end === "timeout") {
      this.brokenBy ??= "it was killed at a call's timeout";
      await this.worker.kill();
      return failed("timeout", `no answer within ${opts.timeoutMs} ms; the ${this.c.what} was killed`, elapsed(), true);
    }
    if (end.kind === "result") return fromWorkerResult(end.result, elapsed());
    if (end.kind === "violation") return failed(end.tooLong ? "output_too_large" : "invalid_output", end.problem, elapsed(), true);
    const exit = await this.worker.exited;
    const stderr = this.worker.stderr.text(mark);
    const code = this.worker.classify(exit, stderr);
    const what = `the ${this.c.what} ${this.worker.describe(exit)} during the call`;
    const detail = code === "memory_limit_exceeded" ? `: memory limit of ${this.c.memoryMb} MB` : code === "timeout" ? ": CPU time limit" : "";
    return failed(code, withStderr(`${what}${detail}`, stderr), elapsed(), true);
  }

  private async stop(): Promise<void> {
    // Ending stdin asks the worker to leave: the protocol says it exits at end of input.
    this.channel.close();
    const grace = deadline(this.c.stopGraceMs);
    await Promise.race([this.worker.exited, grace.expired]);
    grace.cancel();
    await this.worker.kill();
    await this.worker.exited;
    await this.worker.dispose();
  }
}
