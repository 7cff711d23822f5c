import { isSpearError } from "../../../domain/errors.js";
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

/** Failures of the node or the instance rather than of the function: another node may succeed. */
const retryableRuntimeCodes = new Set(["instance_crashed", "runtime_unavailable"]);

const MAX_MESSAGE = 4_096;
const clip = (message: string) => (message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message);

export function verdictOfCall(call: PoolCall): Verdict {
  const o: InvokeOutcome = call.outcome;
  if (o.ok) return { kind: "final", status: "succeeded", output: o.output, call };
  const error = { code: o.error.code, message: clip(o.error.message) };
  if (retryableRuntimeCodes.has(o.error.code)) return { kind: "retry", error, call };
  return { kind: "final", status: o.error.code === "timeout" ? "timed_out" : "failed", error, call };
}

/**
 * How the next attempt treats this node: a refusal before running (saturated, rate limited)
 * costs no attempt and keeps the node in play, as it may have room a moment later; a draining
 * node refuses without blame but is left out; any other failure is the node's, so it is left out.
 */
export function retryCause(code: string, nodeId: string): RetryCause {
  if (code === "saturated" || code === "rate_limited") return { refusal: true };
  if (code === "node_draining") return { refusal: true, excludeNode: nodeId };
  return { excludeNode: nodeId };
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
