import type { InvocationFinished, InvocationStatus } from "../../domain/events/invocation.js";
import { MAX_ID_LENGTH } from "../../domain/ids.js";
import { decodeJson, encodeJson } from "../json.js";

/**
 * A node's final result on its way to the record: a core NATS request on
 * `spear.record.<nodeId>`, answered by one scheduler replica's recorder (the API reply envelope).
 * The node is the subject's, which NATS permissions bind to the node's identity; the lease
 * token names the attempt the node holds; `replyTo` is the assignment's reply subject.
 */
export interface RecordRequest {
  readonly leaseToken: string;
  readonly result: InvocationFinished;
  readonly replyTo?: string | undefined;
}

/**
 * What the recorder answers when it could decide: this attempt's result is the recorded one
 * (written now, or earlier by the node's own repeated request), with the status and error code
 * it was recorded with (an output too large for a message is recorded as `output_too_large`);
 * or another writer recorded the invocation's result first.
 */
export type RecordAnswer = { readonly recorded: true; readonly status: InvocationStatus; readonly errorCode?: string } | { readonly recorded: false };

/** A lease token is a decimal number (services/leases). */
const LEASE_TOKEN = /^\d{1,20}$/;

export const encodeRecordRequest = (r: RecordRequest): Uint8Array =>
  encodeJson({ leaseToken: r.leaseToken, ...(r.replyTo ? { replyTo: r.replyTo } : {}), result: r.result });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads a record request from a node without trusting it: only what the recorder needs before
 * the lease check is checked here (bytes that are JSON, a token, the invocation and attempt);
 * the result itself is validated once, when it is encoded as the event to record.
 */
export function readRecordRequest(bytes: Uint8Array): { readonly ok: true; readonly request: RecordRequest } | { readonly ok: false; readonly problem: string } {
  let body: unknown;
  try {
    body = decodeJson(bytes);
  } catch {
    return { ok: false, problem: "the body is not JSON" };
  }
  if (!isObject(body)) return { ok: false, problem: "the body is not a JSON object" };
  const { leaseToken, replyTo, result } = body;
  if (typeof leaseToken !== "string" || !LEASE_TOKEN.test(leaseToken)) return { ok: false, problem: "leaseToken must be a lease token (a decimal number)" };
  if (replyTo !== undefined && typeof replyTo !== "string") return { ok: false, problem: "replyTo must be a string" };
  if (!isObject(result) || typeof result.invocationId !== "string" || result.invocationId.length > MAX_ID_LENGTH || !Number.isSafeInteger(result.attempts)) {
    return { ok: false, problem: "result must be an InvocationFinished with invocationId and attempts" };
  }
  return { ok: true, request: { leaseToken, replyTo, result: result as InvocationFinished } };
}
