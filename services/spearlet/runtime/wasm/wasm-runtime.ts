import { realpathSync, statSync } from "node:fs";
import { SpearError } from "../../../../domain/errors.js";
import type { InstanceSpec, Runtime } from "../runtime.js";
import type { PreopenRoot } from "./wasi/sandbox-path.js";
import { SpareWorkers } from "./spare-workers.js";
import { WasmInstance } from "./wasm-instance.js";
import type { WorkerInit } from "./worker-protocol.js";
import { spawnWasmWorker } from "./worker-thread.js";
import { MAX_GUEST_OUTPUT_BYTES } from "../../../../domain/payloads.js";

export interface WasmRuntimeOptions {
  /** Most bytes a call may write to stdout (its output). Default: the largest output Spear carries. */
  readonly maxOutputBytes?: number;
  /** How much of stderr is kept for error messages (the tail). Default 8 KiB. */
  readonly maxStderrBytes?: number;
  /** JavaScript heap limit of each worker thread. Default 64 MiB. */
  readonly workerHeapMb?: number;
  /** How long a worker thread may take to start, on top of a reactor's `_initialize` (bounded by the function's timeout). Default 10 s. */
  readonly startTimeoutMs?: number;
  /** Fuel a call may spend when its function sets no `limits.fuel` (see DEFAULT_FUEL). */
  readonly fuel?: number;
  /** Worker threads kept started and idle for the next instances (see SpareWorkers); `close` ends them. Default 0. */
  readonly spareWorkers?: number;
}

/**
 * The default CPU bound of a call: 10^10 units, one per function entry and loop iteration. A
 * metered tight loop spends one about every 2-5 ns (measured on a busy 2-core VM), so this is
 * 20-50 s of pure looping, in the range of the default 30 s timeout: real code, which does more
 * per iteration, rarely reaches it in time, while a guest spinning forever stops at the same
 * point of its own work however loaded the node is. Functions that need a tighter or looser
 * bound set `limits.fuel`.
 */
export const DEFAULT_FUEL = 10_000_000_000;

const PAGES_PER_MIB = 16;
/** How long after an instance took a spare worker its replacement starts, if its first call has not ended by then. */
const REFILL_AT_LATEST_MS = 1_000;

function preopenRoots(grants: Record<string, string>, instanceId: string): PreopenRoot[] {
  return Object.entries(grants).map(([guest, host]) => {
    try {
      const real = realpathSync(host);
      if (!statSync(real).isDirectory()) throw new Error("not a directory");
      return { guest, host: real };
    } catch (e) {
      throw new SpearError("instance_start_failed", `granted directory ${host} (as ${guest}) is unusable: ${(e as Error).message}`, { instanceId });
    }
  });
}

/**
 * WASI preview 1 functions in worker threads. Each instance is a warm worker holding the
 * shared compiled module (`SharedBinary.module`, from the binary cache); the guest sees its
 * request as stdin, writes its JSON result to stdout, and gets no file system, network or
 * environment beyond its grants; its work per call is bounded by fuel besides the wall clock.
 */
export class WasmRuntime implements Runtime {
  readonly kind = "wasm" as const;
  readonly #opts: Required<WasmRuntimeOptions>;
  readonly #spares: SpareWorkers;

  constructor(opts: WasmRuntimeOptions = {}) {
    this.#opts = {
      maxOutputBytes: opts.maxOutputBytes ?? MAX_GUEST_OUTPUT_BYTES,
      maxStderrBytes: opts.maxStderrBytes ?? 8_192,
      workerHeapMb: opts.workerHeapMb ?? 64,
      startTimeoutMs: opts.startTimeoutMs ?? 10_000,
      fuel: opts.fuel ?? DEFAULT_FUEL,
      spareWorkers: opts.spareWorkers ?? 0,
    };
    const heapMb = this.#opts.workerHeapMb;
    this.#spares = new SpareWorkers(this.#opts.spareWorkers, () => spawnWasmWorker(heapMb));
  }

  available(): Promise<{ ok: true } | { ok: false; reason: string }> {
    return Promise.resolve(typeof WebAssembly === "object" ? { ok: true } : { ok: false, reason: "this Node.js has no WebAssembly" });
  }

  async createInstance(s: InstanceSpec): Promise<WasmInstance> {
    if (s.spec.runtime !== "wasm") throw new SpearError("invalid_argument", `the wasm runtime cannot run a ${s.spec.runtime} function`);
    const module = s.binary?.module;
    if (!module) {
      throw new SpearError("instance_start_failed", `wasm instance ${s.instanceId} has no compiled module (acquire the binary with kind "wasm")`, {
        instanceId: s.instanceId,
      });
    }
    const { grants, env, limits, entry, mode } = s.spec;
    const init: WorkerInit = {
      module,
      entry: entry ?? "_start",
      reuseInstance: mode === "warm",
      args: [s.function],
      env: grants.env ? Object.entries(env).map(([k, v]) => `${k}=${v}`) : [],
      preopens: preopenRoots(grants.preopens, s.instanceId),
      memoryLimitPages: limits.memoryMb * PAGES_PER_MIB,
      fuel: limits.fuel ?? this.#opts.fuel,
      maxOutputBytes: this.#opts.maxOutputBytes,
      maxStderrBytes: this.#opts.maxStderrBytes,
    };
    let instance: WasmInstance;
    try {
      instance = await WasmInstance.start({
        id: s.instanceId,
        worker: this.#spares.take(),
        init,
        memoryLimitMb: limits.memoryMb,
        startTimeoutMs: this.#opts.startTimeoutMs + limits.timeoutMs,
      });
    } catch (e) {
      this.#spares.refill();
      throw e;
    }
    // A thread's boot is tens of ms of CPU: started during the call this cold start was for, it
    // more than doubled that call on a busy 2-core node. A prewarmed instance may get no call soon.
    const refillAt = setTimeout(() => this.#spares.refill(), REFILL_AT_LATEST_MS).unref();
    void instance.firstCallEnded.then(() => {
      clearTimeout(refillAt);
      this.#spares.refill();
    });
    return instance;
  }

  /** Ends the spare worker threads; instances are the pools' to terminate. */
  close(): Promise<void> {
    return this.#spares.close();
  }
}
