import { realpathSync, statSync } from "node:fs";
import { SpearError } from "../../../../domain/errors.js";
import type { InstanceSpec, Runtime } from "../runtime.js";
import type { PreopenRoot } from "./wasi/sandbox-path.js";
import { WasmInstance } from "./wasm-instance.js";
import type { WorkerInit } from "./worker-protocol.js";
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
}

const PAGES_PER_MIB = 16;

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
 * environment beyond its grants.
 */
export class WasmRuntime implements Runtime {
  readonly kind = "wasm" as const;
  readonly #opts: Required<WasmRuntimeOptions>;

  constructor(opts: WasmRuntimeOptions = {}) {
    this.#opts = {
      maxOutputBytes: opts.maxOutputBytes ?? MAX_GUEST_OUTPUT_BYTES,
      maxStderrBytes: opts.maxStderrBytes ?? 8_192,
      workerHeapMb: opts.workerHeapMb ?? 64,
      startTimeoutMs: opts.startTimeoutMs ?? 10_000,
    };
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
      maxOutputBytes: this.#opts.maxOutputBytes,
      maxStderrBytes: this.#opts.maxStderrBytes,
    };
    return WasmInstance.start({
      id: s.instanceId,
      init,
      memoryLimitMb: limits.memoryMb,
      workerHeapMb: this.#opts.workerHeapMb,
      startTimeoutMs: this.#opts.startTimeoutMs + limits.timeoutMs,
    });
  }
}
