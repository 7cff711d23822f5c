/**
 * Every error Spear reports carries a stable code from this catalog. Clients branch on the
 * code, never on the message; the HTTP gateway maps it to a status; docs/api.md lists it.
 */
export const errorCatalog = {
  // input and configuration
  invalid_argument: { http: 400, text: "A request, command or option failed validation." },
  invalid_config: { http: 500, text: "The process configuration failed validation at start-up." },
  payload_too_large: { http: 413, text: "A body or artifact is larger than the configured limit." },
  // event store
  version_conflict: { http: 409, text: "The aggregate changed since it was read (optimistic concurrency)." },
  unknown_event_type: { http: 422, text: "An event's type is not in the catalog." },
  invalid_event: { http: 422, text: "An event's body does not match its schema." },
  unknown_stream: { http: 404, text: "No stream by that name or covering that subject." },
  // infrastructure
  nats_unreachable: { http: 503, text: "The NATS server could not be reached." },
  redis_unreachable: { http: 503, text: "The Redis server could not be reached." },
  binary_missing: { http: 500, text: "A required server binary (nats-server, redis-server) is not installed." },
  server_start_failed: { http: 500, text: "A local server process did not become ready." },
  timeout: { http: 504, text: "An operation did not finish within its deadline." },
  internal: { http: 500, text: "An unexpected failure; the log has details." },
  // projections
  unknown_projection: { http: 404, text: "No projection by that name." },
  projection_locked: { http: 409, text: "Another worker holds this projection." },
} as const satisfies Record<string, { http: number; text: string }>;

export type ErrorCode = keyof typeof errorCatalog;

export type ErrorBody = { code: ErrorCode; message: string; details?: Record<string, unknown> };

export class SpearError extends Error {
  override readonly name = "SpearError";

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export const isSpearError = (e: unknown, code?: ErrorCode): e is SpearError =>
  e instanceof SpearError && (code === undefined || e.code === code);

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(errorCatalog, code);
