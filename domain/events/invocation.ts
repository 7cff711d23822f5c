import { z } from "zod";
import { FunctionName, InstanceId, Instant, InvocationId, LanguagePair, NodeId, SessionId, TenantId } from "../ids.js";
import { PayloadRef } from "../payloads.js";

/** The JSON body a client publishes on `spear.invoke.<function>`. */
export const InvokeRequest = z.object({
  /** Any JSON value (`null` when there is none); a request has it or `inputRef` (see `inputProblem`). */
  input: z.unknown().optional(),
  /** Instead of `input`: an input too large for a message, stored as `input/<invocationId>` in the payload bucket. */
  inputRef: PayloadRef.optional(),
  version: z.number().int().min(1).optional(),
  sessionId: SessionId.optional(),
  tenant: TenantId.optional(),
  routingKey: z.string().min(1).max(256).optional(),
  priority: z.number().int().min(0).max(9).default(0),
  timeoutMs: z.number().int().min(1).max(3_600_000).optional(),
  langPair: LanguagePair.optional(),
  /** Prefer a node other than the one the session's previous call ran on. */
  spread: z.boolean().optional(),
});
export type InvokeRequest = z.infer<typeof InvokeRequest>;

/** What is wrong with where a request's input is: it must have `input` or `inputRef`, not both. */
export function inputProblem(r: { readonly input?: unknown; readonly inputRef?: unknown }): string | undefined {
  if (r.input === undefined && r.inputRef === undefined) return "the body has no input (send null when there is none)";
  if (r.input !== undefined && r.inputRef !== undefined) return "the body has both input and inputRef; give one";
  return undefined;
}

export const InvocationStatus = z.enum(["succeeded", "failed", "timed_out", "rejected", "dead_lettered"]);
export type InvocationStatus = z.infer<typeof InvocationStatus>;

export const InvocationError = z.object({ code: z.string().min(1).max(64), message: z.string().max(4096) });
export type InvocationError = z.infer<typeof InvocationError>;

export const InvocationTimings = z.object({
  submittedAt: Instant,
  assignedAt: Instant.optional(),
  startedAt: Instant.optional(),
  finishedAt: Instant,
  queueMs: z.number().nonnegative().optional(),
  runMs: z.number().nonnegative().optional(),
  totalMs: z.number().nonnegative(),
});
export type InvocationTimings = z.infer<typeof InvocationTimings>;

/** The placement decision, published on `spear.assign.<nodeId>`. */
export const InvocationAssigned = z.object({
  invocationId: InvocationId,
  function: FunctionName,
  version: z.number().int().min(1),
  attempt: z.number().int().min(1),
  nodeId: NodeId,
  leaseToken: z.string().min(1),
  deadline: Instant,
  timeoutMs: z.number().int().min(1),
  requestSeq: z.number().int().min(1),
  replyTo: z.string().min(1).optional(),
  submittedAt: Instant,
  sessionId: SessionId.optional(),
  /** The call's input; absent when it comes by reference. */
  input: z.unknown().optional(),
  /** The request's input by reference (the runner fetches it). */
  inputRef: PayloadRef.optional(),
});
export type InvocationAssigned = z.infer<typeof InvocationAssigned>;

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isText = (v: unknown): v is string => typeof v === "string" && v.length > 0;

/**
 * The fields a node relies on before its lease check, checked by hand: an assignment is written
 * by a scheduler that built it from a validated request, so the node does not run the whole
 * schema again on every call; this guards only against a message that is not one at all.
 */
export function hasAssignmentShape(v: unknown): v is InvocationAssigned {
  if (typeof v !== "object" || v === null) return false;
  const a = v as Record<string, unknown>;
  return (
    isText(a.invocationId) && isText(a.function) && isText(a.nodeId) && isText(a.leaseToken) && isText(a.deadline) && isText(a.submittedAt) &&
    isInt(a.version) && isInt(a.attempt) && isInt(a.timeoutMs) && isInt(a.requestSeq) &&
    (a.replyTo === undefined || typeof a.replyTo === "string") && (a.sessionId === undefined || typeof a.sessionId === "string")
  );
}

/** The one final result of an invocation: written once on `spear.result.<id>` and sent to its reply subject. */
export const InvocationFinished = z.object({
  invocationId: InvocationId,
  function: FunctionName,
  version: z.number().int().min(1).optional(),
  status: InvocationStatus,
  output: z.unknown().optional(),
  /** Instead of `output`: an output too large for a message, stored in the payload bucket (clients of the SDK get `output` filled in). */
  outputRef: PayloadRef.optional(),
  error: InvocationError.optional(),
  nodeId: NodeId.optional(),
  attempts: z.number().int().min(0),
  timings: InvocationTimings,
});
export type InvocationFinished = z.infer<typeof InvocationFinished>;

const statuses: ReadonlySet<unknown> = new Set(InvocationStatus.options);

/** Whether a value read back from the result stream (validated when recorded) has a result's shape. */
export function isRecordedResult(v: unknown): v is InvocationFinished {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Record<string, unknown>;
  return isText(r.invocationId) && isText(r.function) && statuses.has(r.status) && isInt(r.attempts) && typeof r.timings === "object" && r.timings !== null;
}

/** How one attempt ended on a node, reported in the node's next status batch. */
export const InvocationOutcome = z.object({
  invocationId: InvocationId,
  function: FunctionName,
  version: z.number().int().min(1),
  attempt: z.number().int().min(1),
  status: z.enum(["succeeded", "failed", "timed_out", "refused"]),
  errorCode: z.string().max(64).optional(),
  instanceId: InstanceId.optional(),
  coldStart: z.boolean(),
  durationMs: z.number().nonnegative(),
  at: Instant,
});
export type InvocationOutcome = z.infer<typeof InvocationOutcome>;

/**
 * A dead-lettered invocation was sent back (`spear dlq redrive`), on `spear.evt.invocation.<id>`
 * of the invocation that was dead-lettered: once per invocation, however often it is asked for.
 * Its `dead_lettered` result stays (a result is written once); the new run is the invocation
 * `redriveId`, attempt 1, with its own one result.
 */
export const InvocationRedriven = z.object({
  function: FunctionName,
  /** The dead letter sent back: its sequence in SPEAR_DLQ. */
  dlqSeq: z.number().int().min(1),
  /** Why it had been dead-lettered (the dead letter's code and reason). */
  reason: InvocationError,
  /** The new invocation that runs the same request again. */
  redriveId: InvocationId,
  redrivenAt: Instant,
});
export type InvocationRedriven = z.infer<typeof InvocationRedriven>;
