import { isSpearError, retryClassOf } from "../../../domain/errors.js";
import type { InvocationAssigned, InvocationFinished } from "../../../domain/events/invocation.js";
import type { PoolCall } from "../pool/instance-pool.js";
import type { InvokeOutcome } from "../runtime/runtime.js";
import type { RetryCause } from "../../../streams/invocations/submit.js";

export interface CallError {
  readonly code: string;
  readonly message: string;
}

/**
 * What becomes of an assignment once it was tried here: a final result (the call succeeded,
 * or failed in a way another node would repeat), or a retry on another node (this node or
 * instance could not run it: refused, crashed, no such version here yet).
 */
export type Verdict =
  | { readonly kind: "final"; readonly status: "succeeded"; readonly output: unknown; readonly call: PoolCall }
  | { readonly kind: "final"; readonly status: "failed" | "timed_out"; readonly error: CallError; readonly call: PoolCall }
  | { readonly kind: "retry"; readonly error: CallError; readonly call?: PoolCall }
  /** The call cannot run anywhere (its referenced input is gone or unusable): the invocation ends rejected. */
  | { readonly kind: "rejected"; readonly error: CallError };

const MAX_MESSAGE = 4_096;
const clip = (message: string) => (message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message);

export function verdictOfCall(call: PoolCall): Verdict {
  const o: InvokeOutcome = call.outcome;
  if (o.ok) return { kind: "final", status: "succeeded", output: o.output, call };
  const error = { code: o.error.code, message: clip(o.error.message) };
  // A retryable failure is the node's or the instance's, not the function's: another node may succeed. A call's
  // `timeout` is its own time limit, which another node would hit too: final here (the catalog's `timeout` is an outage).
  if (retryClassOf(o.error.code) === "retryable") return { kind: "retry", error, call };
  return { kind: "final", status: o.error.code === "timeout" ? "timed_out" : "failed", error, call };
}

/**
 * How the next attempt treats this node: a refusal before running costs no attempt and keeps
 * the node in play, as it may have room a moment later; any other failure is the node's, so it
 * is left out.
 */
export function retryCause(code: string, nodeId: string): RetryCause {
  if (retryClassOf(code) !== "refusal") return { excludeNode: nodeId };
  // Unlike being full, draining lasts: the node is left out, though without blame.
  return code === "node_draining" ? { refusal: true, excludeNode: nodeId } : { refusal: true };
}

/**
 * A failure before or around the call (admission refused, the pool saturated or closed, an
 * instance that would not start, a version not known here): always a retry elsewhere.
 */
export function verdictOfError(e: unknown): Verdict {
  if (isSpearError(e)) return { kind: "retry", error: { code: e.code, message: clip(e.message) } };
  return { kind: "retry", error: { code: "internal", message: clip(e instanceof Error ? e.message : String(e)) } };
}

export interface RunTimes {
  /** The assignment's own time (its Spear-Occurred-At). */
  readonly assignedAt: string;
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** The result of an invocation this node could not start for what it was given (its input). */
export function rejectedEvent(a: InvocationAssigned, nodeId: string, error: CallError, now: number): InvocationFinished {
  return {
    invocationId: a.invocationId,
    function: a.function,
    version: a.version,
    status: "rejected",
    error,
    nodeId,
    attempts: a.attempt,
    timings: { submittedAt: a.submittedAt, finishedAt: new Date(now).toISOString(), totalMs: Math.max(0, now - Date.parse(a.submittedAt)) },
  };
}

/** The one final result of the invocation, as this node writes it. */
export function finishedEvent(a: InvocationAssigned, nodeId: string, v: Verdict & { kind: "final" }, t: RunTimes): InvocationFinished {
  const submitted = Date.parse(a.submittedAt);
  return {
    invocationId: a.invocationId,
    function: a.function,
    version: a.version,
    status: v.status,
    ...(v.status === "succeeded" ? { output: v.output } : { error: v.error }),
    nodeId,
    attempts: a.attempt,
    timings: {
      submittedAt: a.submittedAt,
      assignedAt: t.assignedAt,
      startedAt: new Date(t.startedAt).toISOString(),
      finishedAt: new Date(t.finishedAt).toISOString(),
      queueMs: Math.max(0, t.startedAt - submitted),
      runMs: Math.max(0, t.finishedAt - t.startedAt),
      totalMs: Math.max(0, t.finishedAt - submitted),
    },
  };
}
