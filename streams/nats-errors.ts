import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";

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
