import type { JsMsg } from "@nats-io/jetstream";
import { z } from "zod";
import { InstanceSummary, ResourceUsage } from "../../../domain/events/status.js";
import { InvocationStatus, type InvocationFinished } from "../../../domain/events/invocation.js";
import { H } from "../../../domain/headers.js";
import { streamNames } from "../../../streams/catalog.js";
import { decodeRecorded, rawOf } from "../../../streams/codec.js";

/*
 * What the live stream tells a browser: summaries, never bodies. A result's output, an event's
 * spec or a dead letter's original request may hold what the `read` scope does not open (the
 * output of someone's call needs `invoke`), so the console fetches details through the routes
 * that check their own scope, and the stream carries only what a list row or a counter needs.
 */

const at = { seq: z.number().int().positive().describe("Sequence in its stream"), time: z.string().describe("When the server stored it") };

const ControlEvent = z.object({
  kind: z.literal("event"),
  ...at,
  type: z.string().describe("The event type (NodeDrained, FunctionVersionDeployed, ...)"),
  aggregate: z.string().describe("node, function, artifact, pool or session"),
  id: z.string().describe("The aggregate's id"),
});

// A result comes from the gateway's core subscription to results (shared with the watches), which
// carries no stream sequence: its time is when it finished.
const ResultSummary = z.object({
  kind: z.literal("result"),
  time: z.string().describe("When it finished"),
  invocationId: z.string(),
  function: z.string(),
  version: z.number().int().optional(),
  status: InvocationStatus,
  errorCode: z.string().optional(),
  nodeId: z.string().optional(),
  attempts: z.number().int(),
  submittedAt: z.string(),
  finishedAt: z.string(),
  queueMs: z.number().optional(),
  runMs: z.number().optional(),
  totalMs: z.number(),
});

const NodeReport = z.object({
  kind: z.literal("status"),
  ...at,
  nodeId: z.string(),
  usage: ResourceUsage,
  instances: z.array(InstanceSummary),
  draining: z.boolean(),
});

const DeadLetterSummary = z.object({
  kind: z.literal("deadLetter"),
  ...at,
  subject: z.string().describe("spear.dlq.<source>.<key>"),
  code: z.string().describe("Why it was dead-lettered: a catalog code or the invocation's own"),
  reason: z.string(),
  from: z.string().describe("The original message: `<stream>#<seq> <subject>`"),
});

export const LiveMessage = z.discriminatedUnion("kind", [ControlEvent, ResultSummary, NodeReport, DeadLetterSummary]);
export type LiveMessage = z.infer<typeof LiveMessage>;

/** The streams the live feed reads, each whole from its newest message on (results come from the gateway's result subscription). */
export const followedStreams = [streamNames.events, streamNames.status, streamNames.dlq] as const;

/** One stored message as its summary; undefined for one that does not decode (replay shows those). */
export function summarize(stream: string, m: JsMsg): LiveMessage | undefined {
  const raw = rawOf(m);
  const base = { seq: m.seq, time: raw.time };
  if (stream === streamNames.dlq) {
    const h = raw.headers;
    return { kind: "deadLetter", ...base, subject: m.subject, code: h?.get(H.dlqCode) ?? "", reason: h?.get(H.dlqReason) ?? "", from: h?.get(H.dlqSource) ?? "" };
  }
  let e;
  try {
    e = decodeRecorded(raw, stream);
  } catch {
    return undefined;
  }
  if (e.type === "NodeStatusReported") {
    return { kind: "status", ...base, nodeId: e.meta.aggregateId, usage: e.data.usage, instances: e.data.instances, draining: e.data.draining };
  }
  return { kind: "event", ...base, type: e.type, aggregate: e.meta.aggregateType, id: e.meta.aggregateId };
}

/** A result as its summary: no output. */
export function summarizeResult(r: InvocationFinished): LiveMessage {
  return {
    kind: "result",
    time: r.timings.finishedAt,
    invocationId: r.invocationId,
    function: r.function,
    ...(r.version !== undefined ? { version: r.version } : {}),
    status: r.status,
    ...(r.error ? { errorCode: r.error.code } : {}),
    ...(r.nodeId ? { nodeId: r.nodeId } : {}),
    attempts: r.attempts,
    submittedAt: r.timings.submittedAt,
    finishedAt: r.timings.finishedAt,
    ...(r.timings.queueMs !== undefined ? { queueMs: r.timings.queueMs } : {}),
    ...(r.timings.runMs !== undefined ? { runMs: r.timings.runMs } : {}),
    totalMs: r.timings.totalMs,
  };
}
