import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { isRecordedResult, type InvocationFinished } from "../../domain/events/invocation.js";
import { SpearError } from "../../domain/errors.js";
import { subjects } from "../../domain/subjects.js";
import type { TraceHeaders } from "../../domain/trace-context.js";
import { streamNames } from "../catalog.js";
import { encodeEnvelope, newMeta } from "../codec.js";
import { decodeJson, encodeJson } from "../json.js";
import { isWrongLastSequence } from "../nats-errors.js";
import { setTraceHeaders } from "../trace-headers.js";

export type RecordOutcome =
  /**
   * This writer's result is the recorded one (written now, or found stored from its own
   * earlier try) and was sent to the reply subject. `result` is what was recorded: an output
   * too large to record is replaced by an `output_too_large` failure.
   */
  | {
      readonly recorded: true;
      readonly seq: number;
      readonly result: InvocationFinished;
      /** Written by this call; false when it found its own earlier try stored (a retry after a lost ack). */
      readonly fresh: boolean;
    }
  /** Another attempt finished first; its result stands and was already sent. */
  | { readonly recorded: false };

/** Room left under the server's message limit for the headers and the result's own fields. */
const HEADROOM_BYTES = 8 * 1024;
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/**
 * Writes the one final result of an invocation and sends it to the caller. The result subject
 * may hold a single message (expected last sequence 0), so of two writers racing to finish
 * exactly one records, and only that one replies: a reply is always the recorded result. A
 * writer repeating its own publish after a lost ack is recognised by the event id; it then
 * sends the result that was stored (not the one it built again), so a caller never sees two
 * different results. `trace` goes on the result's headers: the invocation's trace, to its end.
 */
export async function recordResult(
  nc: NatsConnection,
  js: JetStreamClient,
  result: InvocationFinished,
  opts: { readonly replyTo?: string | undefined; readonly writer: string; readonly trace?: TraceHeaders | undefined },
): Promise<RecordOutcome> {
  const meta = newMeta(
    { type: "InvocationFinished", data: result },
    { type: "invocation", id: result.invocationId },
    { eventId: `${result.invocationId}.result.${opts.writer}` },
  );
  let recorded = result;
  let { headers, body } = encodeEnvelope({ type: "InvocationFinished", data: recorded }, meta);
  setTraceHeaders(headers, opts.trace);
  let payload = encodeJson(body);
  const limit = resultLimit(nc);
  if (payload.length > limit) {
    recorded = tooLargeResult(result, payload.length, limit);
    ({ headers, body } = encodeEnvelope({ type: "InvocationFinished", data: recorded }, meta));
    setTraceHeaders(headers, opts.trace);
    payload = encodeJson(body);
  }
  let ack;
  try {
    ack = await js.publish(subjects.result(result.invocationId), payload, { headers, msgID: meta.eventId, expect: { lastSubjectSequence: 0 } });
  } catch (e) {
    if (isWrongLastSequence(e)) return { recorded: false };
    throw e;
  }
  if (!ack.duplicate) {
    if (opts.replyTo) nc.publish(opts.replyTo, payload, { headers });
    return { recorded: true, seq: ack.seq, result: recorded, fresh: true };
  }
  const stored = await js.jetstreamManager(false).then((jsm) => jsm.direct.getMessage(streamNames.results, { seq: ack.seq }));
  if (!stored) return { recorded: true, seq: ack.seq, result: recorded, fresh: false };
  if (opts.replyTo) nc.publish(opts.replyTo, stored.data, { headers: stored.header });
  return { recorded: true, seq: ack.seq, result: parseResult(stored.data), fresh: false };
}

/** The most bytes a result's body may have: the server's message limit less room for the headers. */
export const resultLimit = (nc: NatsConnection): number => (nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADROOM_BYTES;

/** A success whose output cannot be stored becomes a failure that says why; the call is not run again. */
export function tooLargeResult(result: InvocationFinished, bytes: number, limit: number): InvocationFinished {
  const { output: _output, ...rest } = result;
  return {
    ...rest,
    status: "failed",
    error: {
      code: "output_too_large",
      message: `the result is ${bytes} bytes, more than the ${limit} bytes a result can hold (the NATS server's max_payload less room for headers)`,
    },
  };
}

/** The stored message of an invocation's result, or undefined while it runs (or after the result TTL). */
const storedResult = (jsm: JetStreamManager, invocationId: string) => jsm.direct.getMessage(streamNames.results, { last_by_subj: subjects.result(invocationId) });

/** The final result of an invocation, or undefined while it runs (or after the result TTL). */
export async function getResult(jsm: JetStreamManager, invocationId: string): Promise<InvocationFinished | undefined> {
  const m = await storedResult(jsm, invocationId);
  return m ? parseResult(m.data) : undefined;
}

/**
 * Sends the recorded result of an invocation, byte for byte, to a reply subject (a caller that
 * submitted the id again, or whose writer crashed before replying). False when none is recorded.
 */
export async function resendResult(nc: NatsConnection, jsm: JetStreamManager, invocationId: string, replyTo: string | undefined): Promise<boolean> {
  const m = await storedResult(jsm, invocationId);
  if (!m) return false;
  if (replyTo) nc.publish(replyTo, m.data, { headers: m.header });
  return true;
}

/**
 * A recorded result as it is stored or sent to a reply subject. The recorder validated it when it
 * recorded it, so reading checks only that it is a result at all (throws `invalid_event` if not).
 */
export function parseResult(data: Uint8Array): InvocationFinished {
  let r: unknown;
  try {
    r = decodeJson(data);
  } catch (cause) {
    throw new SpearError("invalid_event", "a result that is not JSON", undefined, { cause });
  }
  if (!isRecordedResult(r)) throw new SpearError("invalid_event", "a message that is not an invocation result");
  return r;
}
