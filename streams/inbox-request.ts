import { errors, type Msg, type MsgHdrs, type NatsConnection, type Payload } from "@nats-io/transport-node";
import { headersOf } from "./message-headers.js";
import { awaitReply } from "./reply-inbox.js";

/** nats-server's status code for a request that no subscription took. */
const NO_RESPONDERS = 503;

/**
 * A core request whose answer comes from a peer that is not trusted to write well-formed
 * headers (a spearlet answering its probes and API verbs), sent over the connection's shared
 * reply inbox rather than `nc.request`. nats.js's own request dispatch reads the headers of every
 * empty answer to detect "no responders" inside the connection's read loop, so a reply with an
 * empty body and a header block it cannot decode (a name with a space) threw there and stopped
 * the connection from reading anything more until its pings found it stale, minutes later.
 * Here the answer is only matched by subject; its headers are read without trust.
 *
 * Rejects as `nc.request` does: nats.js's `NoRespondersError` when nothing listens on `subject`,
 * its `TimeoutError` when no answer comes in time, `ClosedConnectionError` when the connection closed first.
 */
export async function inboxRequest(nc: NatsConnection, subject: string, data: Payload | undefined, o: { readonly timeoutMs: number; readonly headers?: MsgHdrs }): Promise<Msg> {
  const pending = awaitReply(nc, o.timeoutMs);
  try {
    nc.publish(subject, data, { reply: pending.subject, ...(o.headers ? { headers: o.headers } : {}) });
  } catch (e) {
    pending.close();
    throw e;
  }
  const answer = await pending.reply;
  if (!answer) throw nc.isClosed() ? new errors.ClosedConnectionError() : new errors.TimeoutError();
  if (answer.data.length === 0 && headersOf(answer)?.code === NO_RESPONDERS) throw new errors.NoRespondersError(subject);
  return answer;
}
