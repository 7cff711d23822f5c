import type { Worker } from "node:worker_threads";
import { SpearError } from "../../../../domain/errors.js";
import type { CallOptions, InvokeOutcome, RuntimeInstance } from "../runtime.js";
import { callOutcome } from "./call-outcome.js";
import type { InitMessage, InvokeReply, InvokeMessage, WorkerInit, WorkerStarted } from "./worker-protocol.js";

export interface WasmInstanceSettings {
  readonly id: string;
  /** A thread of its own (see `spawnWasmWorker`), not yet set up; the instance owns it from here on. */
  readonly worker: Worker;
  readonly init: WorkerInit;
  readonly memoryLimitMb: number;
  readonly startTimeoutMs: number;
}

interface Pending {
  readonly id: number;
  readonly started: number;
  readonly resolve: (o: InvokeOutcome) => void;
  readonly timer: NodeJS.Timeout;
}

const elapsed = (since: number) => Math.round((performance.now() - since) * 1000) / 1000;

/**
 * One warm instance: a worker thread holding the compiled module. Calls run one at a time; a
 * call that passes its wall-clock limit terminates the thread (the instance is then broken and
 * the pool replaces it), and so does a crash of the thread.
 */
export class WasmInstance implements RuntimeInstance {
  readonly #worker: Worker;
  readonly #memoryLimitMb: number;
  #pending: Pending | null = null;
  #nextId = 1;
  #broken: string | null = null;
  #terminated = false;
  /** Whether the last call made a new WebAssembly.Instance (a command always does; a warm reactor does not). */
  lastCallInstantiated = false;
  #endFirstCall!: () => void;
  /** Settles once the first call has ended, or the instance is gone without one. */
  readonly firstCallEnded = new Promise<void>((resolve) => (this.#endFirstCall = resolve));

  private constructor(
    readonly id: string,
    worker: Worker,
    memoryLimitMb: number,
    readonly shape: "command" | "reactor",
  ) {
    this.#worker = worker;
    this.#memoryLimitMb = memoryLimitMb;
    worker.on("message", (m: InvokeReply) => this.#onReply(m));
    worker.on("error", (e: Error & { code?: string }) => {
      const outOfMemory = e.code === "ERR_WORKER_OUT_OF_MEMORY";
      this.#break(outOfMemory ? "memory_limit_exceeded" : "instance_crashed", `the worker thread failed: ${e.message}`);
    });
    worker.on("exit", (code) => this.#break("instance_crashed", `the worker thread exited (code ${code})`));
  }

  static async start(s: WasmInstanceSettings): Promise<WasmInstance> {
    const worker = s.worker;
    const started = await new Promise<WorkerStarted | Error>((resolve) => {
      const timer = setTimeout(() => resolve(new Error(`not ready within ${s.startTimeoutMs} ms`)), s.startTimeoutMs);
      const done = (v: WorkerStarted | Error) => {
        clearTimeout(timer);
        worker.off("message", done);
        worker.off("error", done);
        worker.off("exit", onExit);
        resolve(v);
      };
      const onExit = (code: number) => done(new Error(`the worker thread exited during start-up (code ${code})`));
      worker.on("message", done);
      worker.on("error", done);
      worker.on("exit", onExit);
      const init: InitMessage = { type: "init", init: s.init };
      worker.postMessage(init);
    });
    if (started instanceof Error || started.type === "start_failed") {
      await worker.terminate();
      if (started instanceof Error) throw new SpearError("instance_start_failed", `wasm instance ${s.id}: ${started.message}`, { instanceId: s.id });
      const code = started.reason === "artifact_invalid" ? "artifact_invalid" : "instance_start_failed";
      throw new SpearError(code, `wasm instance ${s.id}: ${started.message}`, { instanceId: s.id, reason: started.reason });
    }
    return new WasmInstance(s.id, worker, s.memoryLimitMb, started.shape);
  }

  invoke(input: unknown, opts: CallOptions): Promise<InvokeOutcome> {
    if (this.#terminated) return Promise.reject(new SpearError("instance_terminated", `wasm instance ${this.id} was terminated`));
    if (this.#pending) return Promise.reject(new SpearError("internal", `wasm instance ${this.id} takes one call at a time`));
    if (this.#broken) {
      return Promise.resolve({ ok: false, error: { code: "instance_crashed", message: this.#broken }, durationMs: 0, instanceBroken: true });
    }
    const stdin = new TextEncoder().encode(JSON.stringify(input ?? null));
    const id = this.#nextId++;
    const call = new Promise<InvokeOutcome>((resolve) => {
      const started = performance.now();
      const timer = setTimeout(() => {
        this.#break("timeout", `stopped after its limit of ${opts.timeoutMs} ms (invocation ${opts.invocationId})`);
      }, opts.timeoutMs);
      this.#pending = { id, started, resolve, timer };
      const req: InvokeMessage = { type: "invoke", id, stdin };
      this.#worker.postMessage(req, [stdin.buffer]);
    });
    if (id === 1) void call.then(() => this.#endFirstCall());
    return call;
  }

  #onReply(m: InvokeReply): void {
    const p = this.#pending;
    if (!p || m.type !== "done" || m.id !== p.id) return;
    clearTimeout(p.timer);
    this.#pending = null;
    this.lastCallInstantiated = m.instantiated;
    p.resolve(callOutcome(m, elapsed(p.started), this.#memoryLimitMb));
  }

  /** The thread is gone or must go: fail the call in flight, if any, and serve no more. */
  #break(code: "timeout" | "memory_limit_exceeded" | "instance_crashed", message: string): void {
    if (this.#terminated || this.#broken) return;
    this.#broken = message;
    this.#endFirstCall();
    const p = this.#pending;
    this.#pending = null;
    void this.#worker.terminate().then(() => {
      if (!p) return;
      clearTimeout(p.timer);
      p.resolve({ ok: false, error: { code, message }, durationMs: elapsed(p.started), instanceBroken: true });
    });
  }

  async terminate(): Promise<void> {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#endFirstCall();
    const p = this.#pending;
    this.#pending = null;
    await this.#worker.terminate();
    if (p) {
      clearTimeout(p.timer);
      p.resolve({ ok: false, error: { code: "instance_crashed", message: `wasm instance ${this.id} was terminated during the call` }, durationMs: elapsed(p.started), instanceBroken: true });
    }
  }
}
