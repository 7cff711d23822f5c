import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { InvocationFinished } from "../../domain/events/invocation.js";
import { subjects } from "../../domain/subjects.js";
import { streamNames } from "../catalog.js";
import { encodeEnvelope, newMeta } from "../codec.js";
import { decodeJson, encodeJson } from "../json.js";
import { isWrongLastSequence } from "../nats-errors.js";

export type RecordOutcome =
  /** This call wrote the result and sent it to the reply subject. */
  | { readonly recorded: true; readonly seq: number }
  /** Another attempt finished first; its result stands and was already sent. */
  | { readonly recorded: false };

/**
 * Writes the one final result of an invocation and sends it to the caller. The result subject
 * may hold a single message (expected last sequence 0), so of two writers racing to finish
 * exactly one records; only that one replies. `writer` names the writer (an attempt on a node,
 * a scheduler process): a writer repeating its own publish after a lost ack is recognised by
 * the event id and still counts as the one that recorded.
 */
export async function recordResult(
  nc: NatsConnection,
  js: JetStreamClient,
  result: InvocationFinished,
  opts: { readonly replyTo?: string | undefined; readonly writer: string },
): Promise<RecordOutcome> {
  const meta = newMeta(
    { type: "InvocationFinished", data: result },
    { type: "invocation", id: result.invocationId },
    { eventId: `${result.invocationId}.result.${opts.writer}` },
  );
  const { headers, body } = encodeEnvelope({ type: "InvocationFinished", data: result }, meta);
  const payload = encodeJson(body);
  let seq: number;
  try {
    const ack = await js.publish(subjects.result(result.invocationId), payload, {
      headers,
      msgID: meta.eventId,
      expect: { lastSubjectSequence: 0 },
    });
    seq = ack.seq;
  } catch (e) {
    if (isWrongLastSequence(e)) return { recorded: false };
    throw e;
  }
  if (opts.replyTo) nc.publish(opts.replyTo, payload, { headers });
  return { recorded: true, seq };
}

/** The final result of an invocation, or undefined while it runs (or after the result TTL). */
export async function getResult(jsm: JetStreamManager, invocationId: string): Promise<InvocationFinished | undefined> {
  const m = await jsm.direct.getMessage(streamNames.results, { last_by_subj: subjects.result(invocationId) });
  return m ? InvocationFinished.parse(decodeJson(m.data)) : undefined;
}

export const parseResult = (data: Uint8Array): InvocationFinished => InvocationFinished.parse(decodeJson(data));
