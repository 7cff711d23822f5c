import type { MsgHdrs } from "@nats-io/transport-node";
import { z } from "zod";
import { InvocationId } from "../../domain/ids.js";
import { H } from "../../domain/headers.js";
import { InvokeRequest } from "../../domain/events/invocation.js";
import { lastToken } from "../../domain/subjects.js";
import { decodeJson } from "../json.js";

/** An invocation request as the scheduler sees it: first attempts and retries alike. */
export interface ParsedRequest {
  readonly invocationId: string;
  readonly function: string;
  readonly attempt: number;
  /** Attempts that ended in a node's refusal rather than a failure: they do not count against the limit. */
  readonly refusals: number;
  readonly excludeNodes: readonly string[];
  readonly replyTo?: string;
  /** When the client first submitted it (a retry keeps the first attempt's time). */
  readonly submittedAt: string;
  readonly requestSeq: number;
  readonly body: InvokeRequest;
  /** The body exactly as published, republished unchanged by a retry. */
  readonly raw: Uint8Array;
}

export type ParseOutcome =
  | { readonly ok: true; readonly request: ParsedRequest }
  | {
      readonly ok: false;
      readonly invocationId: string;
      readonly function: string;
      readonly replyTo?: string;
      readonly submittedAt: string;
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

/**
 * Reads a message of SPEAR_INVOKE. A client gives the invocation id in `Nats-Msg-Id` (which
 * also makes the submit idempotent); a message without a usable id gets `seq-<n>`. A bad body is
 * not an exception: it becomes a rejection the scheduler records at once.
 */
export function parseRequest(msg: StoredRequest): ParseOutcome {
  const h = (k: string) => msg.headers?.get(k) || undefined;
  const claimed = h(H.invocationId) ?? h(H.msgId);
  const invocationId = claimed && InvocationId.safeParse(claimed).success ? claimed : `seq-${msg.seq}`;
  const fn = lastToken(msg.subject);
  const replyTo = h(H.replyTo);
  const submittedAt = h(H.submittedAt) ?? msg.time;
  const base = { invocationId, function: fn, submittedAt, ...(replyTo ? { replyTo } : {}) };
  const reject = (message: string): ParseOutcome => ({ ok: false, ...base, error: { code: "invalid_request", message } });

  let json: unknown;
  try {
    json = decodeJson(msg.data);
  } catch {
    return reject("the body is not JSON");
  }
  const body = InvokeRequest.safeParse(json ?? {});
  if (!body.success) return reject(`the body is invalid: ${z.prettifyError(body.error)}`);
  const attempt = Number(h(H.attempt) ?? 1);
  if (!Number.isInteger(attempt) || attempt < 1) return reject(`${H.attempt} must be a positive integer`);
  const refusals = Number(h(H.refusals) ?? 0);
  if (!Number.isInteger(refusals) || refusals < 0 || refusals >= attempt) return reject(`${H.refusals} must be an integer below the attempt`);
  const excludeNodes = (h(H.excludeNodes) ?? "").split(",").filter(Boolean);
  return {
    ok: true,
    request: {
      ...base,
      attempt,
      refusals,
      excludeNodes,
      requestSeq: msg.seq,
      body: body.data,
      raw: msg.data,
    },
  };
}
