import type { FunctionSpec } from "../../../domain/events/function.js";
import type { RuntimeKind } from "../../../domain/ids.js";

/** Why a call failed, as reported in results and status outcomes. */
export type RuntimeErrorCode =
  | "timeout"
  | "memory_limit_exceeded"
  | "cpu_limit_exceeded"
  | "function_error"
  | "invalid_output"
  | "output_too_large"
  | "permission_denied"
  | "instance_crashed"
  | "runtime_unavailable";

export type InvokeOutcome =
  | { readonly ok: true; readonly output: unknown; readonly durationMs: number }
  | {
      readonly ok: false;
      readonly error: { readonly code: RuntimeErrorCode; readonly message: string };
      readonly durationMs: number;
      /** The instance must not serve again (it was killed, trapped or left in an unknown state). */
      readonly instanceBroken: boolean;
    };

export interface CallOptions {
  readonly invocationId: string;
  /** Wall-clock limit for this call; the runtime stops the code when it passes. */
  readonly timeoutMs: number;
  /** Fires when the call must stop at once (its lease was taken away): the pool terminates the instance. */
  readonly signal?: AbortSignal;
}

/** One warm (or per-call) executor of one function version. */
export interface RuntimeInstance {
  readonly id: string;
  /** Runs one call. Function failures come back as `{ ok: false }`; it rejects only on misuse. */
  invoke(input: unknown, opts: CallOptions): Promise<InvokeOutcome>;
  /** Frees the worker thread, process or container. Safe to call twice. */
  terminate(): Promise<void>;
}

/**
 * What instances of one artifact share on a node: fetched once, verified once, prepared once
 * (a compiled `WebAssembly.Module`, a file on disk for a process), reference-counted.
 */
export interface SharedBinary {
  readonly sha256: string;
  readonly size: number;
  /** The artifact written once to a private folder (for runtimes that exec a file). */
  readonly path: string;
  /** Set for wasm artifacts: compiled once, posted to every instance's worker. */
  readonly module?: WebAssembly.Module;
}

export interface InstanceSpec {
  readonly instanceId: string;
  readonly function: string;
  readonly version: number;
  readonly spec: FunctionSpec;
  /** Present when the function has an artifact. */
  readonly binary?: SharedBinary;
}

/** A protection a runtime cannot give on this machine, and why (reported at start and in the node's health). */
export interface RuntimeIsolationGap {
  readonly mechanism: string;
  readonly reason: string;
}

/** A way of running code (wasm, process, container), behind which instances are made. */
export interface Runtime {
  readonly kind: RuntimeKind;
  /** Whether this node can run the kind at all (a Docker engine, prlimit); the reason when not. */
  available(): Promise<{ readonly ok: true } | { readonly ok: false; readonly reason: string }>;
  /** Creates an instance and warms it up; resolves when it can take a call. */
  createInstance(spec: InstanceSpec): Promise<RuntimeInstance>;
  /** What isolation this runtime cannot give here, known once `available()` has answered; none when absent. */
  isolationGaps?(): readonly RuntimeIsolationGap[];
  /** Clears what an earlier run of this node left behind (a killed spearlet cannot), before the first instance. */
  removeLeftovers?(): Promise<unknown>;
  /** Frees what the runtime holds besides its instances (spare worker threads), when the node stops. */
  close?(): Promise<void>;
}
