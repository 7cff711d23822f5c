import { SpearError } from "../../domain/errors.js";
import type { InvocationFinished, InvokeRequest } from "../../domain/events/invocation.js";
import type { TraceHeaders } from "../../domain/trace-context.js";
import type { Nats } from "../connection.js";
import { awaitResult, cancelledWait } from "./await-result.js";
import { awaitReply } from "../reply-inbox.js";
import { getResult, parseResult } from "./results.js";
import { submitInvocation } from "./submit.js";

export interface InvokeAndWaitOptions {
  readonly invocationId: string;
  /** How long to wait for the final result; the invocation itself goes on when the wait ends. */
  readonly waitMs: number;
  readonly signal?: AbortSignal;
  readonly correlationId?: string;
  /** The caller's trace, carried by the request. */
  readonly trace?: TraceHeaders | undefined;
}

/**
 * Submits an invocation and waits for its one final result. The reply subject (on the
 * connection's shared inbox) is listened to before the request is published, so the result cannot slip past; when the wait ends without
 * a reply (the node that recorded the result died before replying, say), the result stream is
 * read once before giving up. Nothing is lost when the caller goes away: the request is in the
 * stream and its result will be recorded there.
 */
export async function invokeAndWait(
  nats: Nats,
  fn: string,
  body: Partial<InvokeRequest>,
  o: InvokeAndWaitOptions,
): Promise<InvocationFinished> {
  if (o.signal?.aborted) throw cancelledWait(o.invocationId);
  const pending = awaitReply(nats.nc, o.waitMs);
  const onAbort = () => pending.close();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const ack = await submitInvocation(nats.js, fn, body, { invocationId: o.invocationId, replyTo: pending.subject, trace: o.trace, ...(o.correlationId ? { correlationId: o.correlationId } : {}) });
    if (ack.duplicate) {
      // The stream kept an earlier submit of this id, whose reply subject is not ours.
      pending.close();
      const earlier = await awaitResult(nats, o.invocationId, o);
      if (earlier) return earlier;
      throw notYet(o);
    }
    const reply = await pending.reply;
    try {
      if (reply) return parseResult(reply.data);
    } catch {
      // Something that is not a result came to the reply subject: the result stream has the one.
    }
    // Timed out, cancelled or closed: look in the result stream below.
    if (o.signal?.aborted) throw cancelledWait(o.invocationId);
    const recorded = await getResult(nats.jsm, o.invocationId);
    if (recorded) return recorded;
    throw notYet(o);
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
    pending.close();
  }
}

const notYet = (o: InvokeAndWaitOptions) =>
  new SpearError("timeout", `invocation ${o.invocationId} has no result after ${o.waitMs} ms; it goes on, ask for it later`, {
    invocationId: o.invocationId,
  });
