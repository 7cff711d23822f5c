import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { H } from "../domain/headers.js";
import { subjects } from "../domain/subjects.js";
import type { RawStoredMessage } from "./codec.js";
import { isOutage } from "./nats-errors.js";

/**
 * Deliveries after which a message whose handling keeps failing for a reason other than an
 * outage is a poison: it goes to the dead-letter stream instead of being delivered again for
 * as long as its stream keeps it.
 */
export const POISON_DELIVERIES = 5;

/** Whether a message that just failed with `e` should be dead-lettered rather than redelivered. */
export const isPoison = (m: JsMsg, e: unknown): boolean => !isOutage(e) && m.info.deliveryCount >= POISON_DELIVERIES;

/** What may give up on a message: the first token after `spear.dlq.`. */
export const deadLetterSources = ["invocation", "assign", "events", "projection"] as const;
export type DeadLetterSource = (typeof deadLetterSources)[number];

export interface DeadLetter {
  /** What gave up on the message. */
  readonly source: DeadLetterSource;
  /** Narrows the source: a projection name, a function name. */
  readonly key: string;
  /** A catalog code, or an invocation's own error code (`attempts_exhausted`, a function's). */
  readonly reason: { readonly code: string; readonly message: string };
  readonly original: RawStoredMessage & { readonly stream: string };
}

/**
 * Keeps what could not be processed on `spear.dlq.<source>.<key>`: the original body and
 * headers unchanged (so it can be replayed or republished; `Nats-Msg-Id` kept as
 * `Spear-Dlq-Msg-Id`), plus why and where from.
 * Idempotent per original message and source.
 */
export async function deadLetter(js: JetStreamClient, dl: DeadLetter): Promise<number> {
  const h = natsHeaders();
  for (const [k, values] of dl.original.headers ?? []) {
    for (const v of values) h.append(k === H.msgId ? H.dlqMsgId : k, v);
  }
  const from = `${dl.original.stream}#${dl.original.seq}`;
  h.set(H.dlqCode, dl.reason.code);
  h.set(H.dlqReason, dl.reason.message.replace(/[\r\n]+/g, " ").slice(0, 1024));
  h.set(H.dlqSource, `${from} ${dl.original.subject}`);
  const ack = await js.publish(subjects.dlq(dl.source, dl.key), dl.original.data, {
    headers: h,
    msgID: `dlq-${dl.source}-${dl.key}-${from}`,
  });
  return ack.seq;
}
