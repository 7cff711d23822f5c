import { z } from "zod";
import { FunctionName, InstanceId, Instant, InvocationId, LanguagePair, NodeId, SessionId, TenantId } from "../ids.js";

/** The JSON body a client publishes on `spear.invoke.<function>`. */
export const InvokeRequest = z.object({
  input: z.unknown(),
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
  input: z.unknown(),
});
export type InvocationAssigned = z.infer<typeof InvocationAssigned>;

/** The one final result of an invocation: written once on `spear.result.<id>` and sent to its reply subject. */
export const InvocationFinished = z.object({
  invocationId: InvocationId,
  function: FunctionName,
  version: z.number().int().min(1).optional(),
  status: InvocationStatus,
  output: z.unknown().optional(),
  error: InvocationError.optional(),
  nodeId: NodeId.optional(),
  attempts: z.number().int().min(0),
  timings: InvocationTimings,
});
export type InvocationFinished = z.infer<typeof InvocationFinished>;

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
