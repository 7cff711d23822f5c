import { errors } from "@nats-io/transport-node";
import type { z } from "zod";
import type { ApiError } from "../../domain/api/envelope.js";
import { isErrorCode, SpearError } from "../../domain/errors.js";

/** A schema's complaints as the `issues` detail of `invalid_argument`, so a caller can point at each field. */
export const issuesOf = (e: z.ZodError) => e.issues.map((i) => ({ path: i.path.join("."), message: i.message }));

/** The error a reply carried, raised again on this side; a code this client does not know yet stays in the details. */
export function replyError({ code, message, details }: ApiError): SpearError {
  if (isErrorCode(code)) return new SpearError(code, message, details);
  return new SpearError("internal", message, { ...details, code });
}

/** Why a request got no reply, as the code a caller can act on (start the service, wait longer). */
export function transportError(e: unknown, subject: string, timeoutMs: number): SpearError {
  if ((e instanceof errors.RequestError && e.isNoResponders()) || e instanceof errors.NoRespondersError) {
    return new SpearError("service_unavailable", `nothing answers on ${subject}; is 'spear sms' running?`, { subject });
  }
  if (e instanceof errors.TimeoutError || (e instanceof errors.RequestError && e.cause instanceof errors.TimeoutError)) {
    return new SpearError("timeout", `${subject} did not answer within ${timeoutMs} ms`, { subject });
  }
  if (e instanceof SyntaxError) return new SpearError("internal", `${subject} answered with a body that is not JSON`);
  return new SpearError("internal", `${subject}: ${e instanceof Error ? e.message : String(e)}`, undefined, { cause: e });
}
