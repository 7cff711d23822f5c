import { errors as natsErrors } from "@nats-io/transport-node";
import { z } from "zod";
import { isErrorCode, SpearError } from "../../domain/errors.js";
import type { InvocationFinished, InvocationStatus } from "../../domain/events/invocation.js";
import { issuesOf } from "../api/errors.js";

const said: Record<Exclude<InvocationStatus, "succeeded">, string> = {
  failed: "failed",
  timed_out: "timed out",
  rejected: "was rejected",
  dead_lettered: "was dead-lettered",
};

/**
 * An invocation that ended in any status but `succeeded`. `code` is the code of the result's
 * error (`function_error`, `function_not_found`, `timeout`, ...); a code this client does not
 * know yet becomes `internal` with the server's code in `details.code`. `result` is the whole
 * final result, as `spear.result.<id>` holds it.
 */
export class InvocationFailedError extends SpearError {
  constructor(readonly result: InvocationFinished) {
    const serverCode = result.error?.code;
    const code = serverCode && isErrorCode(serverCode) ? serverCode : "internal";
    const status = result.status === "succeeded" ? "failed" : result.status;
    const why = result.error ? `: ${result.error.message}` : "";
    super(code, `invocation ${result.invocationId} of ${result.function} ${said[status]}${why}`, {
      invocationId: result.invocationId,
      function: result.function,
      status: result.status,
      ...(serverCode && code !== serverCode ? { code: serverCode } : {}),
    });
  }

  get invocationId(): string {
    return this.result.invocationId;
  }

  get status(): InvocationStatus {
    return this.result.status;
  }
}

/** Checks a value against a schema before anything is sent; a mismatch is `invalid_argument` naming each problem. */
export function validated<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new SpearError("invalid_argument", `${what}: ${z.prettifyError(parsed.error)}`, { issues: issuesOf(parsed.error) });
}

/** What the NATS client throws, as the SpearError a caller can branch on. */
export function asSpearError(e: unknown, what: string): SpearError {
  if (e instanceof SpearError) return e;
  if ((e instanceof natsErrors.RequestError && e.isNoResponders()) || e instanceof natsErrors.NoRespondersError) {
    return new SpearError("service_unavailable", `${what}: nothing answers (are Spear's streams and 'spear sms' set up?)`, undefined, { cause: e });
  }
  if (e instanceof natsErrors.TimeoutError) return new SpearError("timeout", `${what}: NATS did not answer in time`, undefined, { cause: e });
  if (e instanceof natsErrors.ClosedConnectionError || e instanceof natsErrors.DrainingConnectionError) {
    return new SpearError("nats_unreachable", `${what}: the connection to NATS is closed`, undefined, { cause: e });
  }
  return new SpearError("internal", `${what}: ${e instanceof Error ? e.message : String(e)}`, undefined, { cause: e });
}
