import type { MsgHdrs } from "@nats-io/transport-node";
import { z } from "zod";
import { inputProblem, InvokeRequest } from "../../domain/events/invocation.js";
import { H } from "../../domain/headers.js";
import { claimedInvocationId, readInvokeSubject } from "../../domain/invoke-subject.js";
import { FunctionName, Instant, InvocationId, NodeId } from "../../domain/ids.js";
import { jsonDepth, MAX_JSON_DEPTH } from "../../domain/json-limits.js";
import { inputObject, PAYLOAD_BUCKET } from "../../domain/payloads.js";
import { isReplySubject, MAX_REPLY_SUBJECT, REPLY_INBOX_PREFIX } from "../../domain/subjects.js";
import { readTraceHeaders, type TraceHeaders } from "../../domain/trace-context.js";
import { decodeJson } from "../json.js";

/** An invocation request as the scheduler sees it: first attempts and retries alike. */
export interface ParsedRequest {
  readonly invocationId: string;
  readonly function: string;
  readonly attempt: number;
  /** Attempts that ended in a node's refusal rather than a failure: they do not count against the limit. */
  readonly refusals: number;
  readonly excludeNodes: readonly string[];
  /** Nodes to prefer not to use (they went away during an attempt), offered when no other can take the call. */
  readonly avoidNodes: readonly string[];
  readonly replyTo?: string;
  /** When the client first submitted it (a retry keeps the first attempt's time). */
  readonly submittedAt: string;
  /** Why the previous attempt ended (`<code>: <message>`), as the retry says. */
  readonly retryReason?: string;
  readonly requestSeq: number;
  readonly body: InvokeRequest;
  /** The body exactly as published, republished unchanged by a retry. */
  readonly raw: Uint8Array;
  /** The caller's trace (`traceparent`, `tracestate`), carried by every attempt; a malformed one is dropped. */
  readonly trace?: TraceHeaders;
}

export type ParseOutcome =
  | { readonly ok: true; readonly request: ParsedRequest }
  | {
      readonly ok: false;
      readonly invocationId: string;
      readonly function: string;
      readonly replyTo?: string;
      readonly submittedAt: string;
      readonly trace?: TraceHeaders;
      readonly error: { readonly code: "invalid_request"; readonly message: string };
    };

export interface StoredRequest {
  readonly subject: string;
  readonly seq: number;
  readonly headers?: MsgHdrs | undefined;
  readonly data: Uint8Array;
  /** ISO time the server stored it. */
  readonly time: string;
}

/** Bounds of what a request's headers may say (attempt counters, excluded nodes). */
export const REQUEST_LIMITS = { maxAttempt: 1_000, maxExcludedNodes: 64 } as const;

/** What a result names as the function when the request's subject names none that can exist. */
export const UNKNOWN_FUNCTION = "unknown";

/**
 * Reads a message of SPEAR_INVOKE. A client gives the invocation id in `Nats-Msg-Id` (which
 * also makes the submit idempotent); a message without a usable id gets `seq-<n>`. The headers
 * about earlier attempts (`Spear-Invocation-Id`, `Spear-Attempt`, `Spear-Refusals`, the node
 * lists, `Spear-Submitted-At`, `Spear-Retry-Reason`) are believed on the retry subject only,
 * where only schedulers and spearlets may publish; on a client's subject they are ignored, so a
 * client cannot skip the attempt limit, keep its call off nodes, jump the queue or speak for
 * another invocation. Nothing in a request is an exception: a bad body, a function name that
 * cannot exist, or a header that does not hold what it must becomes a rejection the scheduler
 * records at once, naming the problem (and is answered only on a reply subject that is an inbox).
 */
export function parseRequest(msg: StoredRequest): ParseOutcome {
  const h = (k: string) => msg.headers?.get(k) || undefined;
  const read = readInvokeSubject(msg.subject) ?? { named: "", origin: "client" as const };
  /** A header about earlier attempts: a client's own is data, not authority. */
  const internal = (k: string) => (read.origin === "retry" ? h(k) : undefined);
  const claimed = claimedInvocationId(msg.subject, h);
  const invocationId = claimed && InvocationId.safeParse(claimed).success ? claimed : `seq-${msg.seq}`;
  const fnValid = FunctionName.safeParse(read.named).success;
  const replyHeader = h(H.replyTo);
  const replyTo = replyHeader !== undefined && isReplySubject(replyHeader) ? replyHeader : undefined;
  const submittedHeader = internal(H.submittedAt);
  const submittedValid = submittedHeader === undefined || Instant.safeParse(submittedHeader).success;
  const submittedAt = submittedHeader !== undefined && submittedValid ? submittedHeader : msg.time;
  // A trace names a trace and grants nothing: it is read on every subject, a client's included.
  const trace = readTraceHeaders(h);
  const base = { invocationId, function: fnValid ? read.named : UNKNOWN_FUNCTION, submittedAt, ...(replyTo ? { replyTo } : {}), ...(trace ? { trace } : {}) };
  const reject = (message: string): ParseOutcome => ({ ok: false, ...base, error: { code: "invalid_request", message } });

  if (!fnValid) return reject(`'${clip(read.named)}' is not a function name (letters, digits, '_' and '-', at most 64)`);
  if (replyHeader !== undefined && !replyTo) {
    return reject(`${H.replyTo} must be an inbox: a subject starting with ${REPLY_INBOX_PREFIX}, without spaces or wildcards, at most ${MAX_REPLY_SUBJECT} characters`);
  }
  if (!submittedValid) return reject(`${H.submittedAt} must be an ISO 8601 time`);
  if (jsonDepth(msg.data) > MAX_JSON_DEPTH + 1) return reject(`the input is nested deeper than ${MAX_JSON_DEPTH} levels`);
  let json: unknown;
  try {
    json = decodeJson(msg.data);
  } catch {
    return reject("the body is not JSON");
  }
  const body = InvokeRequest.safeParse(json ?? {});
  if (!body.success) return reject(`the body is invalid: ${z.prettifyError(body.error)}`);
  const ref = body.data.inputRef;
  const misplaced = inputProblem(body.data);
  if (misplaced) return reject(misplaced);
  if (ref && ref.object !== inputObject(invocationId)) return reject(`inputRef must name the object ${inputObject(invocationId)} of ${PAYLOAD_BUCKET}`);
  const attempt = counter(internal(H.attempt), 1);
  if (attempt === undefined || attempt < 1) return reject(`${H.attempt} must be an integer from 1 to ${REQUEST_LIMITS.maxAttempt}`);
  const refusals = counter(internal(H.refusals), 0);
  if (refusals === undefined || refusals >= attempt) return reject(`${H.refusals} must be an integer below the attempt`);
  const excludeNodes = nodeList(internal(H.excludeNodes));
  if (!excludeNodes) return reject(`${H.excludeNodes} must list at most ${REQUEST_LIMITS.maxExcludedNodes} node ids`);
  const avoidNodes = nodeList(internal(H.avoidNodes));
  if (!avoidNodes) return reject(`${H.avoidNodes} must list at most ${REQUEST_LIMITS.maxExcludedNodes} node ids`);
  const retryReason = internal(H.retryReason);
  return {
    ok: true,
    request: { ...base, attempt, refusals, excludeNodes, avoidNodes, ...(retryReason ? { retryReason } : {}), requestSeq: msg.seq, body: body.data, raw: msg.data },
  };
}

/** A header listing node ids (comma-separated, bounded); undefined when it holds anything else. */
function nodeList(value: string | undefined): string[] | undefined {
  const ids = (value ?? "").split(",").filter(Boolean);
  return ids.length <= REQUEST_LIMITS.maxExcludedNodes && ids.every((n) => NodeId.safeParse(n).success) ? ids : undefined;
}

/** A header holding a small non-negative integer; undefined when it holds anything else. */
function counter(value: string | undefined, absent: number): number | undefined {
  if (value === undefined) return absent;
  if (!/^\d{1,4}$/.test(value)) return undefined;
  const n = Number(value);
  return n <= REQUEST_LIMITS.maxAttempt ? n : undefined;
}

const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 80)}…` : s);
