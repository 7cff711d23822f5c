import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";
import { apiReply } from "../../domain/api/envelope.js";
import type { AnyEndpoint, RequestOf, ResultOf } from "../../domain/api/endpoint.js";
import { SpearError } from "../../domain/errors.js";
import { H } from "../../domain/headers.js";
import { inboxRequest } from "../../streams/inbox-request.js";
import { decodeJson, encodeJson } from "../../streams/json.js";
import { issuesOf, replyError, transportError } from "./errors.js";

export interface SmsRequestOptions {
  readonly timeoutMs?: number;
  readonly correlationId?: string;
}

/**
 * Calls one verb of the API (the control plane's, or a spearlet's own) and returns its
 * validated result, or throws the SpearError the server answered with (same code, message
 * and details). The request is validated before it is sent; a missing service is
 * `service_unavailable`.
 */
export async function smsRequest<E extends AnyEndpoint>(nc: NatsConnection, endpoint: E, request: RequestOf<E>, opts: SmsRequestOptions = {}): Promise<ResultOf<E>> {
  const parsed = endpoint.request.safeParse(request ?? {});
  if (!parsed.success) {
    throw new SpearError("invalid_argument", `${endpoint.subject}: ${z.prettifyError(parsed.error)}`, { issues: issuesOf(parsed.error) });
  }
  const h = natsHeaders();
  if (opts.correlationId) h.set(H.correlationId, opts.correlationId);
  const timeout = opts.timeoutMs ?? endpoint.timeoutMs;
  let body: unknown;
  try {
    const msg = await inboxRequest(nc, endpoint.subject, encodeJson(parsed.data), { timeoutMs: timeout, headers: h });
    body = decodeJson(msg.data);
  } catch (e) {
    throw transportError(e, endpoint.subject, timeout);
  }
  const reply = apiReply(endpoint.result).safeParse(body);
  if (!reply.success) {
    throw new SpearError("internal", `${endpoint.subject} answered with a body that is not a valid reply: ${z.prettifyError(reply.error)}`);
  }
  if (reply.data.ok) return reply.data.result as ResultOf<E>;
  throw replyError(reply.data.error);
}
