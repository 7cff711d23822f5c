import { jsonDepth, MAX_JSON_DEPTH } from "../../../../domain/json-limits.js";
import type { InvokeOutcome, RuntimeErrorCode } from "../runtime.js";
import { WASM_PAGE, type InvokeReply } from "./worker-protocol.js";

const dec = new TextDecoder();
const MAX_SHOWN = 512;

const clip = (s: string) => (s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s);

const fail = (code: RuntimeErrorCode, message: string, durationMs: number): InvokeOutcome => ({
  ok: false,
  error: { code, message },
  durationMs,
  // The worker made the instance fresh or kept a reactor only after success: it can serve again.
  instanceBroken: false,
});

/**
 * Turns what the guest did into the call's outcome: exit status 0 (or a normal return) with
 * JSON on stdout is success; a failure after a refused `memory.grow` is the memory limit; a
 * failure after the sandbox refused a capability is `permission_denied`; a trap of the fuel
 * check is `cpu_limit_exceeded`; otherwise the exit
 * code or trap, with the tail of stderr, is a `function_error`.
 */
export function callOutcome(reply: InvokeReply, durationMs: number, memoryLimitMb: number): InvokeOutcome {
  const { end, io } = reply;
  const stderr = io.stderr.trim() ? `; stderr: ${clip(io.stderr.trim())}` : "";
  if (end.kind === "link_failed") return fail("function_error", end.message, durationMs);
  const succeeded = end.kind === "returned" || (end.kind === "exited" && end.code === 0);
  if (!succeeded) {
    const how = end.kind === "exited" ? `exited with code ${end.code}` : `trapped: ${end.message}`;
    if (reply.fuelExhausted !== undefined)
      return fail("cpu_limit_exceeded", `the function used up its fuel (CPU bound of ${reply.fuelExhausted} units) and was stopped${stderr}`, durationMs);
    if (reply.growRefused) {
      const used = ((reply.memoryPages * WASM_PAGE) / 1_048_576).toFixed(1);
      return fail("memory_limit_exceeded", `memory limit of ${memoryLimitMb} MiB reached (${used} MiB in use, growth refused); the function ${how}${stderr}`, durationMs);
    }
    if (io.denied) return fail("permission_denied", `${io.denied}; the function ${how}${stderr}`, durationMs);
    return fail("function_error", `the function ${how}${stderr}`, durationMs);
  }
  if (io.outputOverflowed) return fail("output_too_large", `the output passed its limit (writes beyond it were refused)${stderr}`, durationMs);
  const text = dec.decode(io.stdout).trim();
  if (text === "") return fail("invalid_output", `the function wrote nothing to stdout (its output must be JSON)${stderr}`, durationMs);
  if (jsonDepth(text) > MAX_JSON_DEPTH) return fail("invalid_output", `the output is nested deeper than ${MAX_JSON_DEPTH} levels`, durationMs);
  try {
    return { ok: true, output: JSON.parse(text) as unknown, durationMs };
  } catch {
    return fail("invalid_output", `the output is not JSON: ${clip(text)}`, durationMs);
  }
}
