import { errors, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";
import { apiReply } from "../../domain/api/envelope.js";
import type { AnyEndpoint, RequestOf, ResultOf } from "../../domain/api/endpoint.js";
import { isErrorCode, SpearError } from "../../domain/errors.js";
import { H } from "../../domain/headers.js";
import { decodeJson, encodeJson } from "../../streams/json.js";

export interface SmsRequestOptions {
  readonly timeoutMs?: number;
  readonly correlationId?: string;
}

/**
 * Calls one verb of the control plane's API and returns its validated result, or throws
 * the SpearError the server answered with (same code, message and details). The request is
 * validated before it is sent; a missing service is `service_unavailable`.
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
    const msg = await nc.request(endpoint.subject, encodeJson(parsed.data), { timeout, headers: h });
    body = decodeJson(msg.data);
  } catch (e) {
    throw transportError(e, endpoint.subject, timeout);
  }
  const reply = apiReply(endpoint.result).safeParse(body);
  if (!reply.success) {
    throw new SpearError("internal", `${endpoint.subject} answered with a body that is not a valid reply: ${z.prettifyError(reply.error)}`);
  }
  if (reply.data.ok) return reply.data.result as ResultOf<E>;
  const { code, message, details } = reply.data.error;
  if (isErrorCode(code)) throw new SpearError(code, message, details);
  throw new SpearError("internal", message, { ...details, code });
}

export const issuesOf = (e: z.ZodError) => e.issues.map((i) => ({ path: i.path.join("."), message: i.message }));

function transportError(e: unknown, subject: string, timeoutMs: number): SpearError {
  if ((e instanceof errors.RequestError && e.isNoResponders()) || e instanceof errors.NoRespondersError) {
    return new SpearError("service_unavailable", `nothing answers on ${subject}; is 'spear sms' running?`, { subject });
  }
  if (e instanceof errors.TimeoutError || (e instanceof errors.RequestError && e.cause instanceof errors.TimeoutError)) {
    return new SpearError("timeout", `${subject} did not answer within ${timeoutMs} ms`, { subject });
  }
  if (e instanceof SyntaxError) return new SpearError("internal", `${subject} answered with a body that is not JSON`);
  return new SpearError("internal", `${subject}: ${e instanceof Error ? e.message : String(e)}`, undefined, { cause: e });
}
