import type { z } from "zod";
import {
  aggregateDetails,
  binaryDetails,
  boundSessionDetails,
  deadLetterDetails,
  eventTypeDetails,
  forbiddenDetails,
  functionDetails,
  hostDetails,
  invocationDetails,
  lockDetails,
  nodeDetails,
  payloadObjectDetails,
  placementDetails,
  poolDetails,
  rateLimitedDetails,
  saturatedDetails,
  serverDetails,
  sessionDetails,
  sizeDetails,
  streamsDetails,
  syncWaitsDetails,
  transitionDetails,
  unauthorizedDetails,
  versionDetails,
} from "./error-details.js";

/**
 * What a code means for trying again. Every place that decides whether to try again reads the
 * class of the code from the catalog (`retryClassOf`) instead of keeping a list of its own.
 */
export const retryClasses = {
  final:
    "Trying the same thing again ends the same way, here or elsewhere, now or later: the request or call is wrong, what it names is missing or in another state, the function failed on its own terms, or the caller stopped. Change something first.",
  retryable:
    "Something that passes failed it (an instance or a node's runtime, capacity, a lock held elsewhere, a result not there yet, a failure nobody expected): the same thing may succeed later, or on another node.",
  outage: "A server (NATS, Redis, the control plane) is away or did not answer in time: wait, then try the same thing again; nothing was wrong with it.",
  refusal:
    "A node or gateway refused it at once, before running anything, for want of room (full, over a rate, draining): try again a moment later or elsewhere; a node's refusal uses up no attempt of an invocation.",
  conflict: "Someone else changed the state first (appended to the same aggregate, bound the session elsewhere): read it again and decide again; the answer may differ.",
  fenced:
    "The attempt's slot lease is gone (expired, released, or not this node's): whoever ran the attempt must neither run the call nor record a result, as another attempt owns the invocation.",
} as const;

export type RetryClass = keyof typeof retryClasses;

/**
 * Every error Spear reports carries a stable code from this catalog. Clients branch on the
 * code, never on the message; the HTTP gateway maps it to a status (`http`); `retry` is its
 * class in `retryClasses`; `details`, where present, is the shape of the error's details
 * (any other code's are free-form); docs/api.md lists it all.
 */
export const errorCatalog = {
  // input and configuration
  invalid_argument: { http: 400, retry: "final", text: "A request, command or option failed validation." },
  invalid_config: { http: 500, retry: "final", text: "The process configuration failed validation at start-up." },
  payload_too_large: { http: 413, retry: "final", details: sizeDetails, text: "A body or artifact is larger than the configured limit." },
  // event store
  version_conflict: { http: 409, retry: "conflict", details: aggregateDetails, text: "The aggregate changed since it was read (optimistic concurrency)." },
  unknown_event_type: { http: 422, retry: "final", details: eventTypeDetails, text: "An event's type is not in the catalog." },
  invalid_event: { http: 422, retry: "final", details: eventTypeDetails, text: "An event's body does not match its schema." },
  unknown_stream: { http: 404, retry: "final", text: "No stream by that name or covering that subject." },
  // infrastructure
  nats_unreachable: { http: 503, retry: "outage", details: serverDetails, text: "The NATS server could not be reached." },
  redis_unreachable: { http: 503, retry: "outage", details: serverDetails, text: "The Redis server could not be reached." },
  binary_missing: { http: 500, retry: "final", details: binaryDetails, text: "A required server binary (nats-server, redis-server) is not installed." },
  server_start_failed: { http: 500, retry: "retryable", text: "A local server process did not become ready." },
  timeout: { http: 504, retry: "outage", text: "An operation did not finish within its deadline." },
  internal: { http: 500, retry: "retryable", text: "An unexpected failure; the log has details." },
  // projections
  unknown_projection: { http: 404, retry: "final", text: "No projection by that name." },
  projection_locked: { http: 409, retry: "retryable", details: lockDetails, text: "Another worker holds this projection." },
  // spearlet instances, pools and concurrency control
  illegal_transition: { http: 409, retry: "final", details: transitionDetails, text: "An instance state change that its lifecycle does not allow." },
  saturated: { http: 503, retry: "refusal", details: saturatedDetails, text: "The node is at a concurrency or instance limit and refused the call at once." },
  rate_limited: { http: 429, retry: "refusal", details: rateLimitedDetails, text: "A rate limit refused the request at once: a function's on a node, or a token's on the gateway (see Retry-After)." },
  instance_start_failed: { http: 502, retry: "retryable", text: "A function instance could not be created or warmed up." },
  pool_closed: { http: 503, retry: "retryable", details: versionDetails, text: "The function version's instance pool was closed (version dropped or node stopping)." },
  // artifacts and the wasm runtime
  artifact_not_found: { http: 404, retry: "final", text: "No artifact with that sha256 in the object store." },
  artifact_integrity: { http: 422, retry: "final", text: "An artifact's bytes do not match its sha256 or size." },
  artifact_invalid: { http: 422, retry: "final", text: "An artifact is not a module the runtime can load (bad WebAssembly, unsupported import or feature)." },
  instance_terminated: { http: 500, retry: "retryable", text: "A call was made on a runtime instance after it was terminated." },
  // process and container runtimes
  instance_busy: { http: 500, retry: "retryable", text: "A warm instance was given a call while it was still running another (one call at a time)." },
  // spearlet agent
  node_draining: { http: 503, retry: "refusal", text: "The spearlet is draining: it handed the assignment back for another node instead of running it." },
  // control plane (SMS): nodes, functions, pools, sessions and its NATS API
  node_not_found: { http: 404, retry: "final", details: nodeDetails, text: "No node registered under that id." },
  node_deregistered: { http: 410, retry: "final", details: nodeDetails, text: "The node was deregistered; register it again to bring it back." },
  node_already_draining: { http: 409, retry: "final", details: nodeDetails, text: "The node is draining already." },
  node_not_draining: { http: 409, retry: "final", details: nodeDetails, text: "The node is not draining, so it cannot be undrained." },
  function_not_found: { http: 404, retry: "final", details: functionDetails, text: "No function deployed under that name." },
  function_deleted: { http: 410, retry: "final", details: functionDetails, text: "The function was deleted; deploy it again to bring it back." },
  function_inactive: { http: 409, retry: "final", details: functionDetails, text: "The function has no active version (invoke a version explicitly or activate one)." },
  version_not_found: { http: 404, retry: "final", details: versionDetails, text: "The function has no such version." },
  pool_not_found: { http: 404, retry: "final", details: poolDetails, text: "No pool with that id (configured or auto-generated)." },
  session_not_found: { http: 404, retry: "final", details: sessionDetails, text: "No session with that id." },
  session_already_bound: { http: 409, retry: "conflict", details: boundSessionDetails, text: "The session is bound to another pool for the same language pair." },
  session_ended: { http: 410, retry: "final", details: sessionDetails, text: "The session has ended." },
  service_unavailable: { http: 503, retry: "outage", text: "No replica of the service answered on its subject (is `spear sms` running?)." },
  // scheduler: placement and slot leases
  no_eligible_pool: { http: 503, retry: "final", details: placementDetails, text: "No pool can take the function (services, language pair, tenant override) and strict mode is on." },
  no_capacity: { http: 503, retry: "retryable", details: placementDetails, text: "Every candidate node is full, over a load threshold, draining, lost or excluded; retry later." },
  function_requirements_unmet: { http: 422, retry: "retryable", details: placementDetails, text: "No candidate node offers the function's runtime, services, labels or language pair." },
  lease_not_found: { http: 410, retry: "fenced", text: "The slot lease is gone (released or never granted): the call must not run." },
  lease_expired: { http: 410, retry: "fenced", text: "The slot lease expired before it was committed: the call must not run." },
  lease_state_lost: { http: 503, retry: "outage", text: "Redis lost the lease state (flush or restart); the scheduler rebuilds it from the log." },
  lease_not_held: { http: 409, retry: "fenced", text: "A result was sent for an invocation whose live lease the sending node does not hold (another node's, unknown, released, expired or fenced off); it was not recorded." },
  // HTTP gateway
  unauthorized: { http: 401, retry: "final", details: unauthorizedDetails, text: "The request carries no bearer token the gateway accepts (it was started with tokens)." },
  route_not_found: { http: 404, retry: "final", text: "No HTTP route of the gateway matches the method and path." },
  unsupported_media_type: { http: 415, retry: "final", text: "The request's Content-Type is not one the route accepts (application/json; multipart/form-data for a deploy with upload)." },
  invocation_not_found: { http: 404, retry: "retryable", details: invocationDetails, text: "No result is recorded for that invocation id: it is still running, was never submitted, or its result aged out (the result TTL)." },
  forbidden: { http: 403, retry: "final", details: forbiddenDetails, text: "The bearer token lacks the scope the route needs, or the request came from a browser origin the gateway does not allow." },
  host_not_allowed: { http: 421, retry: "final", details: hostDetails, text: "The request's Host is not a name the gateway answers to (--allowed-hosts), as when a DNS-rebinding page calls it." },
  too_many_waits: { http: 503, retry: "refusal", details: syncWaitsDetails, text: "The gateway holds as many synchronous invoke waits as it allows (--max-sync-waits); retry shortly, or invoke with ?async=true." },
  too_many_streams: { http: 503, retry: "refusal", details: streamsDetails, text: "The gateway serves as many server-sent event streams as it allows (--max-streams); retry shortly." },
  request_timeout: { http: 408, retry: "retryable", text: "The request's headers or body did not arrive within the gateway's --headers-timeout or --request-timeout." },
  headers_too_large: { http: 431, retry: "final", text: "The request line and headers are larger than the gateway accepts." },
  // invoking
  cancelled: { http: 499, retry: "final", text: "The caller gave up waiting (AbortSignal); the invocation itself goes on." },
  // invocation results: codes a final result's `error` carries (besides timeout and the scheduler's refusals)
  invalid_request: { http: 400, retry: "final", text: "The invocation request in the stream was not valid (body not JSON or not an InvokeRequest); it was rejected." },
  function_error: { http: 502, retry: "final", text: "The function failed: it answered with an error, exited non-zero or trapped." },
  invalid_output: { http: 502, retry: "final", text: "The function's output was not one JSON value, was too large, or broke the worker protocol." },
  output_too_large: { http: 502, retry: "final", text: "The function's result is larger than a result can hold (the NATS server's message size limit); the call is not run again." },
  memory_limit_exceeded: { http: 502, retry: "final", text: "The function went past its memory limit." },
  cpu_limit_exceeded: { http: 502, retry: "final", text: "The function used up its CPU bound (a WebAssembly guest's fuel, `limits.fuel`) and was stopped." },
  permission_denied: { http: 502, retry: "final", text: "The function failed after the sandbox refused it a capability it was not granted (a file, a socket, the environment)." },
  instance_crashed: { http: 502, retry: "retryable", text: "The function's instance died during the call." },
  runtime_unavailable: { http: 503, retry: "retryable", text: "The node's runtime for the function (the container engine, say) could not be used." },
  attempts_exhausted: { http: 503, retry: "final", text: "Every attempt the invocation was allowed failed on a node; the request went to the dead-letter stream." },
  request_lost: { http: 500, retry: "final", text: "An attempt expired and the invocation's request was no longer in the stream to retry it." },
  // dead letters
  dead_letter_not_found: { http: 404, retry: "final", details: deadLetterDetails, text: "No dead letter with that sequence in SPEAR_DLQ." },
  not_redrivable: { http: 409, retry: "final", details: deadLetterDetails, text: "The dead letter is not an invocation request that can be sent again (a projection's event, an assignment), or its request can no longer be read." },
  payload_not_found: { http: 404, retry: "final", details: payloadObjectDetails, text: "An input or output held by reference is missing from the payload bucket (or differs from its reference); it may have aged out with the result TTL." },
} as const satisfies Record<string, { http: number; retry: RetryClass; details?: z.ZodType<Record<string, unknown>>; text: string }>;

export type ErrorCode = keyof typeof errorCatalog;

type Catalog = typeof errorCatalog;
type TypedCode = { [C in ErrorCode]: Catalog[C] extends { details: z.ZodType } ? C : never }[ErrorCode];

/** The details of an error of code `C`: the catalog's shape for it (for a union of codes, when each has one), else free-form. */
export type DetailsOf<C extends ErrorCode> = [C] extends [TypedCode] ? z.output<Catalog[C]["details"]> : Record<string, unknown>;

export type ErrorBody = { code: ErrorCode; message: string; details?: Record<string, unknown> };

export class SpearError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name = "SpearError";

  constructor(
    readonly code: C,
    message: string,
    readonly details?: DetailsOf<C>,
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

export const isSpearError = <C extends ErrorCode = ErrorCode>(e: unknown, code?: C): e is SpearError<C> =>
  e instanceof SpearError && (code === undefined || e.code === code);

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(errorCatalog, code);

/** The retry class of a code; a code outside the catalog (a function's own) is `final`, as nothing Spear knows of it says trying again helps. */
export const retryClassOf = (code: string): RetryClass => (isErrorCode(code) ? errorCatalog[code].retry : "final");

/** Whether `e` is a SpearError whose code is of the retry class `retry`. */
export const hasRetryClass = (e: unknown, retry: RetryClass): e is SpearError => isSpearError(e) && errorCatalog[e.code].retry === retry;
