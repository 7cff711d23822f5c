/**
 * Every metric a Spear process serves on `/metrics` (Prometheus text format), as data: the
 * registry makes them from here, docs/operations.md lists them from here, and the dashboard and
 * alert rules in infra/monitoring/ may name only these (a test checks). Names follow
 * Prometheus's conventions: `spear_` first, the unit in the name (`_seconds`, `_bytes`), `_total`
 * on counters. Label values come from bounded sets only: functions that were deployed (a name a
 * client made up is `_unknown`), error codes of the catalog (anything else is `other`),
 * projections, states, verbs and routes; never invocation, lease or session ids.
 */

/** The long-running processes, as `spear <command>` names them. */
export const metricServices = ["sms", "scheduler", "spearlet", "gateway", "projections"] as const;
export type MetricService = (typeof metricServices)[number];

interface BaseSpec {
  readonly help: string;
  readonly labels: readonly string[];
  /** Served by these processes (each process shows its metrics from the start, at zero). */
  readonly services: readonly MetricService[];
}
export interface CounterSpec extends BaseSpec {
  readonly type: "counter";
}
export interface GaugeSpec extends BaseSpec {
  readonly type: "gauge";
}
export interface HistogramSpec extends BaseSpec {
  readonly type: "histogram";
  readonly buckets: readonly number[];
}
export type MetricSpec = CounterSpec | GaugeSpec | HistogramSpec;

const all = metricServices;
/** From a millisecond to five minutes: calls, queue waits, placements, requests. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] as const;
/** From 100 µs to a second: one Redis script. */
const FAST_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] as const;

const counter = (help: string, labels: readonly string[], services: readonly MetricService[]): CounterSpec => ({ type: "counter", help, labels, services });
const gauge = (help: string, labels: readonly string[], services: readonly MetricService[]): GaugeSpec => ({ type: "gauge", help, labels, services });
const histogram = (help: string, labels: readonly string[], services: readonly MetricService[], buckets: readonly number[] = LATENCY_BUCKETS): HistogramSpec => ({
  type: "histogram",
  help,
  labels,
  services,
  buckets,
});

export const metricCatalog = {
  // Every process.
  spear_build_info: gauge("Always 1: the process's service and Spear's version.", ["service", "version"], all),
  spear_nats_connected: gauge("1 while the process's NATS connection is up, 0 during an outage.", [], all),
  spear_nats_reconnects_total: counter("Times the NATS connection came back after an outage.", [], all),

  // Invocations, counted where each final result is recorded: by the scheduler replica that wrote it.
  spear_invocations_total: counter("Invocations that ended, by function and final status (succeeded, failed, timed_out, rejected, dead_lettered).", ["function", "status"], ["scheduler"]),
  spear_invocation_duration_seconds: histogram("End to end: from the request's submission to its recorded result.", ["function", "status"], ["scheduler"]),
  spear_invocation_queue_seconds: histogram("Queue wait: from the request's submission to the start of the attempt that ended it.", ["function"], ["scheduler"]),
  spear_invocation_run_seconds: histogram("Run time of the attempt that ended the invocation, on its node.", ["function", "status"], ["scheduler"]),

  // Scheduler.
  spear_scheduler_requests_total: counter("Invocation requests taken from the stream, by kind (first: a client's; retry: a later attempt).", ["kind"], ["scheduler"]),
  spear_scheduler_queued_requests: gauge("Requests this replica holds, waiting to be placed.", [], ["scheduler"]),
  spear_scheduler_placing_requests: gauge("Placements this replica is working on now.", [], ["scheduler"]),
  spear_scheduler_placements_total: counter("Attempts placed on a node (the assignment published).", ["function"], ["scheduler"]),
  spear_scheduler_placement_seconds: histogram("From an attempt's request reaching the stream to its assignment being published.", ["function"], ["scheduler"]),
  spear_scheduler_placement_refusals_total: counter("Placement decisions that found no node, by error code (a request without capacity waits and is decided again).", ["code"], ["scheduler"]),
  spear_scheduler_rejections_total: counter("Invocations the scheduler ended rejected, by error code.", ["code"], ["scheduler"]),
  spear_scheduler_dead_letters_total: counter("Requests the scheduler dead-lettered, by error code (attempts_exhausted; internal: no outcome could be recorded).", ["code"], ["scheduler"]),
  spear_scheduler_deferred_requests_total: counter("Requests handed back to the stream for later because this replica's queue was full.", [], ["scheduler"]),
  spear_scheduler_reaped_leases_total: counter("Expired leases the reaper handled, by action (retried: the next attempt asked for; forgotten: the invocation had a result; rejected: its request had aged out of the stream).", ["action"], ["scheduler"]),
  spear_scheduler_results_total: counter("Results spearlets sent to be recorded, by outcome (recorded; superseded: another attempt's stands; refused: lease not held or an outage).", ["outcome"], ["scheduler"]),
  spear_scheduler_lease_rebuilds_total: counter("Times this replica rebuilt the lease state in Redis from the log.", [], ["scheduler"]),

  // Slot leases (Redis), in every process that holds a lease store.
  spear_redis_connected: gauge("1 while Redis answers the lease store, 0 during an outage.", [], ["scheduler", "spearlet"]),
  spear_lease_operations_total: counter("Lease operations (one Redis script each), by operation and result (ok, or the error code).", ["operation", "result"], ["scheduler", "spearlet"]),
  spear_lease_operation_seconds: histogram("Time of one lease operation, Redis round trip included.", ["operation"], ["scheduler", "spearlet"], FAST_BUCKETS),
  spear_lease_reservations_total: counter("Slot reservations by result (created, existing: a redelivery's, full, stalled).", ["result"], ["scheduler"]),

  // Spearlet.
  spear_spearlet_slots: gauge("The node's slots: calls it runs at once at most.", [], ["spearlet"]),
  spear_spearlet_slots_in_use: gauge("Calls running on the node now.", [], ["spearlet"]),
  spear_spearlet_instances: gauge("Instances on the node, by function and lifecycle state.", ["function", "state"], ["spearlet"]),
  spear_spearlet_attempts_total: counter("Attempts that ended on this node, by function and outcome (succeeded, failed, timed_out, refused).", ["function", "status"], ["spearlet"]),
  spear_spearlet_call_duration_seconds: histogram("Time a call spent in its instance on this node.", ["function"], ["spearlet"]),
  spear_spearlet_cold_starts_total: counter("Calls that waited for an instance to start.", ["function"], ["spearlet"]),
  spear_spearlet_handbacks_total: counter("Attempts handed back for another node, by error code.", ["code"], ["spearlet"]),
  spear_spearlet_fenced_total: counter("Attempts fenced off: their lease was taken away, so nothing of them was recorded.", [], ["spearlet"]),
  spear_spearlet_binary_fetches_total: counter("Artifacts fetched from the object store into the binary cache.", [], ["spearlet"]),
  spear_spearlet_binary_compiles_total: counter("WebAssembly modules compiled by the binary cache.", [], ["spearlet"]),
  spear_spearlet_binary_cache_hits_total: counter("Binary acquires served by an artifact the cache held already.", [], ["spearlet"]),
  spear_spearlet_binary_evictions_total: counter("Artifacts evicted from the binary cache (no instance uses them).", [], ["spearlet"]),
  spear_spearlet_binaries: gauge("Artifacts in the binary cache.", [], ["spearlet"]),
  spear_spearlet_binary_cache_bytes: gauge("Bytes of the artifacts in the binary cache.", [], ["spearlet"]),
  spear_spearlet_node_cpu_ratio: gauge("The node's CPU use (0 to 1) as its last status report measured it.", [], ["spearlet"]),
  spear_spearlet_node_memory_ratio: gauge("The node's memory in use (0 to 1) as its last status report measured it.", [], ["spearlet"]),

  // Control plane.
  spear_cluster_nodes: gauge("Nodes by state (online, draining, lost, deregistered), from the control plane's node registry.", ["state"], ["sms"]),
  spear_cluster_functions: gauge("Functions deployed and not deleted.", [], ["sms"]),
  spear_dead_letters: gauge("Messages kept in the dead-letter stream, by source (invocation, assign, projection, ...).", ["source"], ["sms"]),
  spear_sms_liveness_verdicts_total: counter("Liveness verdicts this replica recorded (lost, recovered).", ["verdict"], ["sms"]),
  spear_sms_sessions_expired_total: counter("Sessions this replica ended as expired.", [], ["sms"]),

  // The request/reply API (control plane verbs, a node's own verbs).
  spear_api_requests_total: counter("Requests answered on spear.api.*, by verb subject and outcome (ok, or the error code).", ["endpoint", "outcome"], ["sms", "spearlet"]),
  spear_api_request_duration_seconds: histogram("Time to answer one request on spear.api.*.", ["endpoint"], ["sms", "spearlet"]),

  // Projection workers (KV read models).
  spear_projection_events_applied_total: counter("Events the worker applied to the projection's read model.", ["projection"], ["projections"]),
  spear_projection_poison_events_total: counter("Events the worker could not apply and dead-lettered.", ["projection"], ["projections"]),
  spear_projection_checkpoint_sequence: gauge("Stream sequence of the last event committed to the read model.", ["projection"], ["projections"]),
  spear_projection_lag_events: gauge("Events matching the projection that are not committed yet (the worker's consumer: pending plus unacknowledged).", ["projection"], ["projections"]),
  spear_projection_owned: gauge("1 while this worker holds the projection's lock.", ["projection"], ["projections"]),

  // HTTP gateway.
  spear_http_requests_total: counter("HTTP requests answered, by method, route pattern and status code.", ["method", "route", "status_code"], ["gateway"]),
  spear_http_request_duration_seconds: histogram("Time to answer one HTTP request, by method and route pattern.", ["method", "route"], ["gateway"]),
  spear_gateway_sync_waits: gauge("Synchronous invokes waiting for their result now.", [], ["gateway"]),
} as const satisfies Record<string, MetricSpec>;

export type MetricCatalog = typeof metricCatalog;
export type MetricName = keyof MetricCatalog;
