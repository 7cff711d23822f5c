import { JetStreamApiCodes, JetStreamApiError, JetStreamError } from "@nats-io/jetstream";
import { errors } from "@nats-io/transport-node";
import { hasRetryClass } from "../domain/errors.js";

/** The server's "expected last subject sequence" check failed: someone appended first. */
export const isWrongLastSequence = (e: unknown): boolean =>
  e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamWrongLastSequence;

export const isNotFound = (e: unknown): boolean =>
  e instanceof JetStreamApiError &&
  (e.code === JetStreamApiCodes.StreamNotFound ||
    e.code === JetStreamApiCodes.ConsumerNotFound ||
    e.code === JetStreamApiCodes.NoMessageFound);

export const isStreamNotFound = (e: unknown): boolean =>
  e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound;

export const isNoMessage = (e: unknown): boolean =>
  e instanceof JetStreamApiError && e.code === JetStreamApiCodes.NoMessageFound;

/**
 * Whether a failure is an outage (NATS or Redis away, restarting, not answering in time) that
 * passes by itself, rather than a fault in what was asked. Code that retries logs outages once
 * (the connection's own warning says the server is away) instead of an error per request.
 */
export function isOutage(e: unknown): boolean {
  if (hasRetryClass(e, "outage")) return true;
  if (e instanceof JetStreamApiError) return e.status === 503 || e.status === 408;
  return (
    e instanceof errors.TimeoutError ||
    e instanceof errors.RequestError ||
    e instanceof errors.NoRespondersError ||
    e instanceof errors.ClosedConnectionError ||
    e instanceof errors.DrainingConnectionError ||
    e instanceof errors.ConnectionError ||
    (e instanceof JetStreamError && !(e instanceof JetStreamApiError))
  );
}
