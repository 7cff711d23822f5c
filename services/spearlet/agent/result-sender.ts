import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { isErrorCode, SpearError } from "../../../domain/errors.js";
import { subjects } from "../../../domain/subjects.js";
import type { TraceHeaders } from "../../../domain/trace-context.js";
import { encodeRecordRequest, type RecordAnswer, type RecordRequest } from "../../../streams/invocations/result-record.js";
import { resultLimit, tooLargeResult } from "../../../streams/invocations/results.js";
import { decodeJson } from "../../../streams/json.js";
import { setTraceHeaders } from "../../../streams/trace-headers.js";

/**
 * How long one request waits for a recorder. A scheduler replica that dies holding it never
 * answers; asked again, another replica does (the record is idempotent per attempt).
 */
const RECORD_TIMEOUT_MS = 3_000;

/**
 * Sends a final result to the schedulers' recorder on the node's own record subject and returns
 * its answer. A result too large for the request (whose size bounds the record) is sent as the
 * `output_too_large` failure it would be recorded as. Fails with the recorder's code when it
 * refuses (`lease_not_held`: the node no longer holds the attempt), and with a NATS error
 * (timeout, no responders) when no recorder answers: both kinds of outage are worth asking again.
 * The request carries the run's trace, which the recorder puts on the recorded result.
 */
export async function sendResult(nc: NatsConnection, nodeId: string, request: RecordRequest, trace?: TraceHeaders): Promise<RecordAnswer> {
  let payload = encodeRecordRequest(request);
  const limit = resultLimit(nc);
  if (payload.length > limit) payload = encodeRecordRequest({ ...request, result: tooLargeResult(request.result, payload.length, limit) });
  let headers;
  if (trace) setTraceHeaders((headers = natsHeaders()), trace);
  const reply = await nc.request(subjects.record(nodeId), payload, { timeout: RECORD_TIMEOUT_MS, ...(headers ? { headers } : {}) });
  const body = decodeJson(reply.data) as { ok?: boolean; result?: RecordAnswer; error?: { code?: string; message?: string } } | undefined;
  if (body?.ok === true && body.result) return body.result;
  const code = body?.error?.code ?? "internal";
  throw new SpearError(isErrorCode(code) ? code : "internal", body?.error?.message ?? "the recorder answered with a body that is not a reply");
}
