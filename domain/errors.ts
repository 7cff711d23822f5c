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
  // spearlet instances, pools and concurrency control
  illegal_transition: { http: 409, text: "An instance state change that its lifecycle does not allow." },
  saturated: { http: 503, text: "The node is at a concurrency or instance limit and refused the call at once." },
  rate_limited: { http: 429, text: "A rate limit refused the request at once: a function's on a node, or a token's on the gateway (see Retry-After)." },
  instance_start_failed: { http: 502, text: "A function instance could not be created or warmed up." },
  pool_closed: { http: 503, text: "The function version's instance pool was closed (version dropped or node stopping)." },
  // artifacts and the wasm runtime
  artifact_not_found: { http: 404, text: "No artifact with that sha256 in the object store." },
  artifact_integrity: { http: 422, text: "An artifact's bytes do not match its sha256 or size." },
  artifact_invalid: { http: 422, text: "An artifact is not a module the runtime can load (bad WebAssembly, unsupported import or feature)." },
  instance_terminated: { http: 500, text: "A call was made on a runtime instance after it was terminated." },
  // process and container runtimes
  instance_busy: { http: 500, text: "A warm instance was given a call while it was still running another (one call at a time)." },
  // spearlet agent
  node_draining: { http: 503, text: "The spearlet is draining: it handed the assignment back for another node instead of running it." },
  // control plane (SMS): nodes, functions, pools, sessions and its NATS API
  node_not_found: { http: 404, text: "No node registered under that id." },
  node_deregistered: { http: 410, text: "The node was deregistered; register it again to bring it back." },
  node_already_draining: { http: 409, text: "The node is draining already." },
  node_not_draining: { http: 409, text: "The node is not draining, so it cannot be undrained." },
  function_not_found: { http: 404, text: "No function deployed under that name." },
  function_deleted: { http: 410, text: "The function was deleted; deploy it again to bring it back." },
  function_inactive: { http: 409, text: "The function has no active version (invoke a version explicitly or activate one)." },
  version_not_found: { http: 404, text: "The function has no such version." },
  pool_not_found: { http: 404, text: "No pool with that id (configured or auto-generated)." },
  session_not_found: { http: 404, text: "No session with that id." },
  session_already_bound: { http: 409, text: "The session is bound to another pool for the same language pair." },
  session_ended: { http: 410, text: "The session has ended." },
  service_unavailable: { http: 503, text: "No replica of the service answered on its subject (is `spear sms` running?)." },
  // scheduler: placement and slot leases
  no_eligible_pool: { http: 503, text: "No pool can take the function (services, language pair, tenant override) and strict mode is on." },
  no_capacity: { http: 503, text: "Every candidate node is full, over a load threshold, draining, lost or excluded; retry later." },
  function_requirements_unmet: { http: 422, text: "No candidate node offers the function's runtime, services, labels or language pair." },
  lease_not_found: { http: 410, text: "The slot lease is gone (released or never granted): the call must not run." },
  lease_expired: { http: 410, text: "The slot lease expired before it was committed: the call must not run." },
  lease_state_lost: { http: 503, text: "Redis lost the lease state (flush or restart); the scheduler rebuilds it from the log." },
  lease_not_held: { http: 409, text: "A result was sent for an invocation whose live lease the sending node does not hold (another node's, unknown, released, expired or fenced off); it was not recorded." },
  // HTTP gateway
  unauthorized: { http: 401, text: "The request carries no bearer token the gateway accepts (it was started with tokens)." },
  route_not_found: { http: 404, text: "No HTTP route of the gateway matches the method and path." },
  unsupported_media_type: { http: 415, text: "The request's Content-Type is not one the route accepts (application/json; multipart/form-data for a deploy with upload)." },
  invocation_not_found: { http: 404, text: "No result is recorded for that invocation id: it is still running, was never submitted, or its result aged out (the result TTL)." },
  forbidden: { http: 403, text: "The bearer token lacks the scope the route needs, or the request came from a browser origin the gateway does not allow." },
  host_not_allowed: { http: 421, text: "The request's Host is not a name the gateway answers to (--allowed-hosts), as when a DNS-rebinding page calls it." },
  too_many_waits: { http: 503, text: "The gateway holds as many synchronous invoke waits as it allows (--max-sync-waits); retry shortly, or invoke with ?async=true." },
  request_timeout: { http: 408, text: "The request's headers or body did not arrive within the gateway's --headers-timeout or --request-timeout." },
  headers_too_large: { http: 431, text: "The request line and headers are larger than the gateway accepts." },
  // invoking
  cancelled: { http: 499, text: "The caller gave up waiting (AbortSignal); the invocation itself goes on." },
  // invocation results: codes a final result's `error` carries (besides timeout and the scheduler's refusals)
  invalid_request: { http: 400, text: "The invocation request in the stream was not valid (body not JSON or not an InvokeRequest); it was rejected." },
  function_error: { http: 502, text: "The function failed: it answered with an error, exited non-zero or trapped." },
  invalid_output: { http: 502, text: "The function's output was not one JSON value, was too large, or broke the worker protocol." },
  output_too_large: { http: 502, text: "The function's result is larger than a result can hold (the NATS server's message size limit); the call is not run again." },
  memory_limit_exceeded: { http: 502, text: "The function went past its memory limit." },
  cpu_limit_exceeded: { http: 502, text: "The function used up its CPU bound (a WebAssembly guest's fuel, `limits.fuel`) and was stopped." },
  permission_denied: { http: 502, text: "The function failed after the sandbox refused it a capability it was not granted (a file, a socket, the environment)." },
  instance_crashed: { http: 502, text: "The function's instance died during the call." },
  runtime_unavailable: { http: 503, text: "The node's runtime for the function (the container engine, say) could not be used." },
  attempts_exhausted: { http: 503, text: "Every attempt the invocation was allowed failed on a node; the request went to the dead-letter stream." },
  request_lost: { http: 500, text: "An attempt expired and the invocation's request was no longer in the stream to retry it." },
  payload_not_found: { http: 404, text: "An input or output held by reference is missing from the payload bucket (or differs from its reference); it may have aged out with the result TTL." },
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
