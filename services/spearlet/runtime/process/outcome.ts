import type { InvokeOutcome, RuntimeErrorCode } from "../runtime.js";
import type { WorkerResult } from "./protocol.js";

export const succeeded = (output: unknown, durationMs: number): InvokeOutcome => ({ ok: true, output, durationMs });

export const failed = (code: RuntimeErrorCode, message: string, durationMs: number, instanceBroken: boolean): InvokeOutcome => ({
  ok: false,
  error: { code, message },
  durationMs,
  instanceBroken,
});

/** A worker's own answer: its output, or the error it reported (the instance stays usable). */
export function fromWorkerResult(r: WorkerResult, durationMs: number): InvokeOutcome {
  if (r.ok) return succeeded(r.output, durationMs);
  if ("invalidOutput" in r) return failed("invalid_output", r.invalidOutput, durationMs, false);
  return failed("function_error", r.code ? `${r.code}: ${r.message}` : r.message, durationMs, false);
}

/** Appends the worker's last stderr to a message, when it wrote any. */
export const withStderr = (message: string, stderr: string) => (stderr ? `${message}: ${stderr}` : message);
