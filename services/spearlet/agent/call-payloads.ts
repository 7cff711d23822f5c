import { isSpearError } from "../../../domain/errors.js";
import type { InvocationAssigned, InvocationFinished } from "../../../domain/events/invocation.js";
import { jsonDepth, MAX_JSON_DEPTH } from "../../../domain/json-limits.js";
import { INLINE_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES, outputObject } from "../../../domain/payloads.js";
import type { Payloads } from "../../../streams/invocations/payloads.js";
import type { CallError } from "./verdict.js";

/** The call's input, or why it cannot run anywhere (a referenced input that is gone, not JSON or nested too deeply). */
export type CallInput = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: CallError };

/** Reads the assignment's input; a referenced one is fetched from the payload bucket and checked as the scheduler checks inline ones. */
export async function callInput(a: InvocationAssigned, payloads: Payloads): Promise<CallInput> {
  if (!a.inputRef) return { ok: true, value: a.input };
  let bytes: Uint8Array;
  try {
    bytes = await payloads.get(a.inputRef);
  } catch (e) {
    if (isSpearError(e, "payload_not_found")) return { ok: false, error: { code: e.code, message: e.message } };
    throw e;
  }
  if (jsonDepth(bytes) > MAX_JSON_DEPTH) return { ok: false, error: { code: "invalid_request", message: `the input is nested deeper than ${MAX_JSON_DEPTH} levels` } };
  try {
    return { ok: true, value: JSON.parse(new TextDecoder().decode(bytes)) as unknown };
  } catch {
    return { ok: false, error: { code: "invalid_request", message: `the input object ${a.inputRef.object} is not JSON` } };
  }
}

/**
 * A result ready to record: an output too large for a message is stored in the payload bucket
 * and named by `outputRef`; one larger than any payload ends the call as `output_too_large`.
 */
export async function storableResult(result: InvocationFinished, payloads: Payloads): Promise<InvocationFinished> {
  if (result.status !== "succeeded" || result.output === undefined) return result;
  const bytes = new TextEncoder().encode(JSON.stringify(result.output));
  if (bytes.length <= INLINE_PAYLOAD_BYTES) return result;
  const { output: _output, ...rest } = result;
  if (bytes.length > MAX_PAYLOAD_BYTES) {
    return {
      ...rest,
      status: "failed",
      error: { code: "output_too_large", message: `the output is ${bytes.length} bytes, more than the ${MAX_PAYLOAD_BYTES} bytes an output may hold` },
    };
  }
  return { ...rest, outputRef: await payloads.put(outputObject(result.invocationId), bytes) };
}
