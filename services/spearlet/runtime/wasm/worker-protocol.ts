import type { CallIo } from "./wasi/wasi-host.js";
import type { PreopenRoot } from "./wasi/sandbox-path.js";

/** What a worker thread is set up with (its first message). */
export interface WorkerInit {
  /** The compiled, sandboxed module; posting it shares the compiled code, nothing is recompiled. */
  readonly module: WebAssembly.Module;
  readonly entry: string;
  /** Keep a reactor's instance between calls (warm state); false makes every call start fresh. */
  readonly reuseInstance: boolean;
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly preopens: readonly PreopenRoot[];
  readonly memoryLimitPages: number;
  /** Fuel each call (and a reactor's `_initialize`) may spend: its CPU bound. */
  readonly fuel: number;
  readonly maxOutputBytes: number;
  readonly maxStderrBytes: number;
}

export interface InitMessage {
  readonly type: "init";
  readonly init: WorkerInit;
}

export type WorkerStarted =
  | { readonly type: "ready"; readonly shape: "command" | "reactor" }
  | { readonly type: "start_failed"; readonly reason: "artifact_invalid" | "memory_limit_exceeded" | "function_error"; readonly message: string };

export interface InvokeMessage {
  readonly type: "invoke";
  readonly id: number;
  readonly stdin: Uint8Array;
}

/** How the guest's code ended. */
export type RunEnd =
  | { readonly kind: "returned" }
  | { readonly kind: "exited"; readonly code: number }
  | { readonly kind: "trapped"; readonly message: string }
  | { readonly kind: "link_failed"; readonly message: string };

export interface InvokeReply {
  readonly type: "done";
  readonly id: number;
  readonly end: RunEnd;
  readonly io: CallIo;
  /** The engine refused a `memory.grow` at the limit during the call. */
  readonly growRefused: boolean;
  /** Set when the guest trapped because it used up its fuel: the budget it had. */
  readonly fuelExhausted?: number;
  readonly memoryPages: number;
  /** Whether the call made a new `WebAssembly.Instance` (always for commands; for reactors only after a failure). */
  readonly instantiated: boolean;
}

export const WASM_PAGE = 65_536;
