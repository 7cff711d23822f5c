import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { SpearError } from "../../domain/errors.js";
import { H } from "../../domain/headers.js";
import type { InvokeRequest } from "../../domain/events/invocation.js";
import { isReplySubject, REPLY_INBOX_PREFIX, subjects } from "../../domain/subjects.js";
import type { TraceHeaders } from "../../domain/trace-context.js";
import { encodeJson } from "../json.js";
import { setTraceHeaders } from "../trace-headers.js";
import type { ParsedRequest } from "./request.js";

/**
 * Publishes an invocation request. The invocation id is the `Nats-Msg-Id`, so submitting the
 * same id twice (within the stream's duplicate window) is one invocation. The reply subject
 * must be an inbox (`createInbox()`): the scheduler refuses any other.
 */
export async function submitInvocation(
  js: JetStreamClient,
  fn: string,
  body: Partial<InvokeRequest>,
  opts: { invocationId: string; replyTo?: string; correlationId?: string; trace?: TraceHeaders | undefined },
): Promise<PubAck> {
  if (opts.replyTo !== undefined && !isReplySubject(opts.replyTo)) {
    throw new SpearError("invalid_argument", `the reply subject '${opts.replyTo}' is not an inbox (${REPLY_INBOX_PREFIX}...): no result would be sent there`);
  }
  const h = natsHeaders();
  h.set(H.eventType, "InvocationRequested");
  if (opts.replyTo) h.set(H.replyTo, opts.replyTo);
  if (opts.correlationId) h.set(H.correlationId, opts.correlationId);
  setTraceHeaders(h, opts.trace);
  return js.publish(subjects.invoke(fn), encodeJson(body), { msgID: opts.invocationId, headers: h });
}

/** Why the attempt ended, as far as the next one cares. */
export interface RetryCause {
  /** The node not to use from now on (it failed the call, or is going away). */
  readonly excludeNode?: string;
  /** The node to prefer not to use (it went away during the attempt, and may be back): used only when no other can take the call. */
  readonly avoidNode?: string;
  /**
   * The node refused the call before running it (saturated, rate limited, draining): not a
   * failure of the call, so it does not use up an attempt; the queue timeout bounds it instead.
   */
  readonly refusal?: boolean;
}

/**
 * Publishes the next attempt of an invocation with its original body, the nodes to avoid, and
 * the first submission time (so the queue timeout counts from the client's submit), on the
 * retry subject: the only one where the scheduler believes these headers. It keeps the caller's trace.
 * Idempotent per attempt: two reapers asking for attempt n+1 produce one message.
 */
export function requestRetry(
  js: JetStreamClient,
  request: ParsedRequest,
  reason: { code: string; message: string },
  cause: RetryCause = {},
): Promise<PubAck> {
  const attempt = request.attempt + 1;
  const exclude = withNode(request.excludeNodes, cause.excludeNode);
  const avoid = withNode(request.avoidNodes, cause.avoidNode);
  const refusals = request.refusals + (cause.refusal ? 1 : 0);
  const h = natsHeaders();
  h.set(H.eventType, "InvocationRetryRequested");
  h.set(H.invocationId, request.invocationId);
  h.set(H.attempt, String(attempt));
  h.set(H.submittedAt, request.submittedAt);
  h.set(H.retryReason, `${reason.code}: ${reason.message}`.replace(/[\r\n]+/g, " ").slice(0, 512));
  if (refusals > 0) h.set(H.refusals, String(refusals));
  if (exclude.length > 0) h.set(H.excludeNodes, exclude.join(","));
  if (avoid.length > 0) h.set(H.avoidNodes, avoid.join(","));
  if (request.replyTo) h.set(H.replyTo, request.replyTo);
  // Every attempt continues the caller's trace.
  setTraceHeaders(h, request.trace);
  return js.publish(subjects.retry(request.function), request.raw, { msgID: `${request.invocationId}.a${attempt}`, headers: h });
}

const withNode = (nodes: readonly string[], node: string | undefined): readonly string[] => (node && !nodes.includes(node) ? [...nodes, node] : nodes);
