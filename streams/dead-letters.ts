import type { JetStreamManager, StoredMsg } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { SpearError } from "../domain/errors.js";
import { H } from "../domain/headers.js";
import { subjects } from "../domain/subjects.js";
import type { DeadLetterEntry } from "../domain/api/dlq.js";
import { streamNames } from "./catalog.js";
import { rawOf, type RawStoredMessage } from "./codec.js";
import type { Nats } from "./connection.js";
import { parseRequest, type ParseOutcome } from "./invocations/request.js";
import { decodeJson, decodeText } from "./json.js";
import { readBackwards } from "./read-backwards.js";
import { getStoredMessage } from "./stored-message.js";

/** An entry of SPEAR_DLQ as read, before the redrive recorded for it is looked up. */
export type StoredDeadLetter = Omit<DeadLetterEntry, "redrive">;

export interface DeadLetterQuery {
  readonly source?: string | undefined;
  readonly code?: string | undefined;
  readonly function?: string | undefined;
  readonly before?: number | undefined;
  readonly limit: number;
  readonly maxScan: number;
}

const PREFIX = "spear.dlq.";

/** `SPEAR_INVOKE#42 spear.invoke.f.retry` → where the original was stored. */
function fromOf(header: string | undefined): DeadLetterEntry["from"] {
  const m = /^(\S+)#(\d+) (\S+)$/.exec(header ?? "");
  return m ? { stream: m[1]!, seq: Number(m[2]), subject: m[3]! } : null;
}

/** The original request of an invocation's dead letter, read as the scheduler read it (its subject, its sequence, its headers, its id). */
export function originalRequest(raw: RawStoredMessage): ParseOutcome | undefined {
  const from = fromOf(raw.headers?.get(H.dlqSource) || undefined);
  if (!from || from.stream !== streamNames.invoke) return undefined;
  // The original headers again, its message id under its own name.
  const headers = natsHeaders();
  for (const [k, values] of raw.headers ?? []) for (const v of values) headers.append(k === H.dlqMsgId ? H.msgId : k, v);
  return parseRequest({ subject: from.subject, seq: from.seq, headers, data: raw.data, time: raw.time });
}

export function toDeadLetter(raw: RawStoredMessage): StoredDeadLetter {
  const [source = "", ...rest] = raw.subject.slice(PREFIX.length).split(".");
  const h = (k: string) => raw.headers?.get(k) || undefined;
  const headers: Record<string, string> = {};
  for (const [k, v] of raw.headers ?? []) headers[k] = v.join(",");
  let data: unknown;
  try {
    data = decodeJson(raw.data);
  } catch {
    data = decodeText(raw.data);
  }
  const request = source === "invocation" ? originalRequest(raw) : undefined;
  return {
    seq: raw.seq,
    time: raw.time,
    subject: raw.subject,
    source,
    key: rest.join("."),
    code: h(H.dlqCode) ?? "",
    reason: h(H.dlqReason) ?? "",
    from: fromOf(h(H.dlqSource)),
    ...(request ? { invocationId: request.ok ? request.request.invocationId : request.invocationId, function: request.ok ? request.request.function : request.function } : {}),
    size: raw.data.length,
    headers,
    data,
  };
}

/** One dead letter by its sequence; `dead_letter_not_found` when SPEAR_DLQ holds none there. */
export async function getDeadLetter(jsm: JetStreamManager, seq: number): Promise<RawStoredMessage> {
  const m: StoredMsg | null = await getStoredMessage(jsm, streamNames.dlq, { seq });
  if (!m || m.seq !== seq) throw new SpearError("dead_letter_not_found", `SPEAR_DLQ holds no dead letter at sequence ${seq}`, { seq });
  return rawOf(m);
}

/** Dead letters newest first, by the subject filter the query allows and its code. */
export async function listDeadLetters(nats: Nats, q: DeadLetterQuery) {
  const source = q.function ? "invocation" : q.source;
  if (q.function && q.source && q.source !== "invocation") return { items: [], scanned: 0, next: null };
  const filter = source ? subjects.dlq(source, q.function ?? ">") : undefined;
  return readBackwards(nats, streamNames.dlq, { filter, before: q.before, limit: q.limit, maxScan: q.maxScan }, (m) => {
    const raw = rawOf(m);
    if (q.code && raw.headers?.get(H.dlqCode) !== q.code) return undefined;
    return toDeadLetter(raw);
  });
}
