import type { JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Span, Tracer } from "@opentelemetry/api";
import type { Logger } from "pino";
import { hasRetryClass } from "../../../domain/errors.js";
import { hasAssignmentShape, type InvocationAssigned, type InvocationFinished, type InvocationOutcome } from "../../../domain/events/invocation.js";
import { subjects } from "../../../domain/subjects.js";
import type { TraceHeaders } from "../../../domain/trace-context.js";
import { streamNames } from "../../../streams/catalog.js";
import { decodeOwn, rawOf } from "../../../streams/codec.js";
import { deadLetter, isPoison } from "../../../streams/dead-letter.js";
import { loadRequest } from "../../../streams/invocations/load-request.js";
import { Payloads } from "../../../streams/invocations/payloads.js";
import type { RecordAnswer } from "../../../streams/invocations/result-record.js";
import { getResult, resendResult } from "../../../streams/invocations/results.js";
import { isOutage } from "../../../streams/nats-errors.js";
import type { Reconnects } from "../../../streams/reconnects.js";
import { requestRetry, type RetryCause } from "../../../streams/invocations/submit.js";
import { messageTrace } from "../../../streams/trace-headers.js";
import type { LeaseStore } from "../../leases/lease-store.js";
import { onwardTrace, traceLogFields } from "../../telemetry/trace-context.js";
import { codeLabel, metric } from "../../metrics/registry.js";
import type { ConcurrencyController } from "../concurrency/controller.js";
import type { PoolCall } from "../pool/instance-pool.js";
import type { PoolManager } from "../pool/pool-manager.js";
import type { NodeCounters } from "./node-counters.js";
import type { PoolSync } from "./pool-sync.js";
import type { StatusReporter } from "./status-reporter.js";
import type { TaskRefCache } from "./task-refs.js";
import { callInput, storableResult } from "./call-payloads.js";
import { persist } from "./persist.js";
import { sendResult } from "./result-sender.js";
import { runVerdict, startRunSpan } from "./run-span.js";
import { finishedEvent, rejectedEvent, verdictOfCall, verdictOfError, type CallError, type Verdict, retryCause } from "./verdict.js";

export interface RunnerOptions {
  readonly nodeId: string;
  readonly nc: NatsConnection;
  /** Results and hand-backs held up by an outage are sent again the moment NATS is back. */
  readonly reconnects: Reconnects;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly leases: LeaseStore;
  readonly taskRefs: TaskRefCache;
  readonly manager: PoolManager;
  readonly controller: ConcurrencyController;
  readonly pools: PoolSync;
  readonly reporter: StatusReporter;
  readonly counters: NodeCounters;
  readonly commitGraceMs: number;
  readonly versionWaitMs: number;
  readonly ackWaitMs: number;
  readonly retryDelayMs: number;
  /**
   * The last assignment sequence on the node's subject when this process's consumer was made:
   * those up to it may have been handled by the process before (killed before it acknowledged),
   * so each is checked against the result stream before anything runs.
   */
  readonly replayUpTo: number;
  readonly log: Logger;
  /** Set when spans are exported: each assignment gets a `run` span. */
  readonly tracer?: Tracer | undefined;
}

/** An assignment whose lease this node committed: it runs here unless the drain deadline hands it back. */
interface Task {
  readonly a: InvocationAssigned;
  readonly m: JsMsg;
  /** Handed back by the drain deadline; whatever the call does afterwards is ignored. */
  abandoned: boolean;
  /** Recording its result or asking for its retry: too late to hand it back. */
  finishing: boolean;
  /** Its lease was taken away (expired, or the node was declared lost): another attempt owns the invocation. */
  fenced: boolean;
  /** Stops the call when the lease is fenced off. */
  readonly cancel: AbortController;
  readonly settled: Promise<void>;
  /** The trace its result carries. */
  readonly trace: TraceHeaders | undefined;
}

/** How long the steps before a call starts (decode, lease commit, result lookup) may take before the handler is given up on. */
const STUCK_BEFORE_START_MS = 15_000;

/** Where a delivered assignment is on its way to starting the call, for the watchdog in `handle`. */
interface PickupGuard {
  stage: "decode" | "lease commit" | "result lookup";
  abandoned: boolean;
  /** The call starts (or the assignment is being handed back): the watchdog has nothing more to guard. */
  readonly started: () => void;
  /** The `run` span (when the node traces), ended when the handler is. */
  span?: Span | undefined;
  /** What the result and hand-back carry: the run span, or the assignment's trace as it came. */
  trace?: TraceHeaders | undefined;
}

/** An assignment whose lease cannot be checked through this many deliveries in a row is reported (an outage that long is news). */
const STILL_BLOCKED_EVERY = 20;

/**
 * How long after its pickup deadline an assignment whose lease is gone may still ask for the
 * next attempt: well inside the request stream's 2 min duplicate window, so a retry the reaper
 * or a hand-back asked for already is the same message.
 */
const ORPHAN_RETRY_WINDOW_MS = 60_000;

/**
 * Takes each assignment from the node's consumer through the contract with the scheduler:
 * deadline → lease commit (fencing) → function version from the TaskRef cache → admission →
 * the pool → one final result (sent to the schedulers' recorder), or a retry on another node
 * (requestRetry, then the lease released) → outcome reported → ack. A crash at any step is
 * covered by the lease (it expires and the scheduler's reaper retries) and by the result being
 * recordable once.
 */
export class AssignmentRunner {
  readonly #o: RunnerOptions;
  readonly #log: Logger;
  /** Stream sequences being handled here (a redelivery of one of them is ignored). */
  readonly #handling = new Set<number>();
  readonly #tasks = new Set<Task>();
  readonly #payloads: Payloads;
  #draining = false;

  constructor(options: RunnerOptions) {
    this.#o = options;
    this.#payloads = new Payloads(options.js);
    this.#log = options.log.child({ part: "assignments" });
  }

  /** Assignments committed here and not finished. */
  get running(): number {
    return this.#tasks.size;
  }

  /** From now on assignments are handed back without running. */
  startDraining(): void {
    this.#draining = true;
  }

  /** Resolves when every running task has settled, or at `deadline` (epoch ms); true when none is left. */
  async settle(deadline: number): Promise<boolean> {
    while (this.#tasks.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.#tasks].map((t) => t.settled)), new Promise((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
    return true;
  }

  /** The drain deadline passed: every task not already finishing is handed back to run elsewhere. */
  async abandonRunning(): Promise<number> {
    const victims = [...this.#tasks].filter((t) => !t.finishing && !t.abandoned);
    await Promise.all(
      victims.map(async (t) => {
        t.abandoned = true;
        await this.#handBack(t.a, { code: "node_draining", message: `node ${this.#o.nodeId} stopped before the call finished (drain deadline)` }, "failed", undefined, t.trace);
        t.m.ack();
      }),
    );
    return victims.length;
  }

  /** Handles one delivered assignment to its ack (or nak); never throws. */
  async handle(m: JsMsg): Promise<void> {
    if (this.#handling.has(m.seq)) return;
    this.#handling.add(m.seq);
    const working = setInterval(() => m.working(), Math.max(1_000, Math.floor(this.#o.ackWaitMs / 3)));
    const guard: PickupGuard = { stage: "decode", abandoned: false, started: () => clearTimeout(watchdog) };
    // Every step before the call starts is bounded (Redis and NATS calls time out); one that hangs
    // anyway would hold the assignment here, kept alive by the in-progress acks, and nothing would
    // ever retry it. So it is given up: the message goes back for a fresh delivery.
    const watchdog = setTimeout(() => {
      guard.abandoned = true;
      clearInterval(working);
      this.#handling.delete(m.seq);
      this.#log.warn({ seq: m.seq, stage: guard.stage, afterMs: STUCK_BEFORE_START_MS }, "an assignment was stuck before its call started; it will be delivered again");
      m.nak(this.#o.retryDelayMs);
    }, STUCK_BEFORE_START_MS);
    try {
      await this.#handle(m, guard);
    } catch (e) {
      if (isPoison(m, e)) return this.#poison(m, e);
      if (isOutage(e)) this.#log.debug({ err: e, seq: m.seq }, "NATS or Redis is away; the assignment will be delivered again");
      else this.#log.error({ err: e, seq: m.seq }, "an assignment failed unexpectedly; it will be delivered again");
      m.nak(this.#o.retryDelayMs);
    } finally {
      clearTimeout(watchdog);
      clearInterval(working);
      // A handler given up on no longer owns the sequence: a fresh delivery may be under way.
      if (!guard.abandoned) this.#handling.delete(m.seq);
      guard.span?.end();
    }
  }

  /** An assignment that fails however often it comes: dead-lettered; its lease expires and the scheduler retries the call elsewhere. */
  async #poison(m: JsMsg, e: unknown): Promise<void> {
    const reason = { code: "internal", message: `failed on every one of ${m.info.deliveryCount} deliveries: ${e instanceof Error ? e.message : String(e)}` };
    try {
      await deadLetter(this.#o.js, { source: "assign", key: this.#o.nodeId, reason, original: { stream: streamNames.assign, ...rawOf(m) } });
      this.#log.error({ err: e, seq: m.seq }, "an assignment that cannot be handled was dead-lettered");
      m.term();
    } catch (again) {
      this.#log.warn({ err: again, seq: m.seq }, "could not dead-letter an assignment that cannot be handled; it will be delivered again");
      m.nak(this.#o.retryDelayMs);
    }
  }

  async #handle(m: JsMsg, guard: PickupGuard): Promise<void> {
    const decoded = await this.#decode(m);
    if (!decoded || guard.abandoned) return;
    const { a, assignedAt } = decoded;
    const incoming = messageTrace(m);
    guard.span = this.#o.tracer && startRunSpan(this.#o.tracer, a, incoming);
    guard.trace = onwardTrace(guard.span, incoming);
    const log = this.#log.child({ invocationId: a.invocationId, attempt: a.attempt, function: a.function, ...traceLogFields(guard.span, incoming) });
    // Delivered before (to this process or to the one before it, killed): its lease may have been
    // committed and be running past the pickup deadline, so only the lease can say it is over.
    const again = m.info.redelivered || m.seq <= this.#o.replayUpTo;
    if (!again && Date.parse(a.deadline) <= Date.now()) {
      // The lease expired before pickup: the scheduler's reaper retries the invocation elsewhere,
      // unless the lease was lost with Redis; asking for the same retry covers both.
      log.info("assignment past its pickup deadline: not run");
      this.#fenced(a, "lease_expired");
      await this.#retryIfOrphaned(a, "lease_expired", log);
      m.ack();
      return;
    }
    if (this.#draining) return this.#drainingHandBack(a, m, guard);
    guard.stage = "lease commit";
    try {
      await this.#o.leases.commit(a.leaseToken, a.timeoutMs + this.#o.commitGraceMs);
    } catch (e) {
      if (guard.abandoned) return;
      if (hasRetryClass(e, "fenced")) {
        // Released (finished, or handed back) or expired (the reaper retries it): not run here.
        log.info({ code: e.code }, "assignment fenced off: not run");
        this.#fenced(a, e.code);
        if (e.code === "lease_not_found") await this.#retryIfOrphaned(a, e.code, log);
        m.ack();
      } else {
        // Redis away or rebuilding: the lease store says so once per outage. Anything else is a defect worth seeing.
        if (isOutage(e) && m.info.deliveryCount % STILL_BLOCKED_EVERY !== 0) log.debug({ err: e }, "cannot check the assignment's lease; it will be delivered again");
        else log.warn({ err: e, delivery: m.info.deliveryCount }, "the assignment's lease could not be checked; it will be delivered again");
        m.nak(this.#o.retryDelayMs);
      }
      return;
    }
    if (guard.abandoned) return;
    // The lease was live: a process that handled it before may have recorded the result and died
    // before releasing it. Then the caller gets that result (its reply may be missing) and nothing runs.
    guard.stage = "result lookup";
    const recorded = again && (await resendResult(this.#o.nc, this.#o.jsm, a.invocationId, a.replyTo));
    if (guard.abandoned) return;
    if (recorded) {
      await this.#release(a);
      m.ack();
      return;
    }
    // The drain may have begun while the lease was committed: the call must not start now.
    if (this.#draining) return this.#drainingHandBack(a, m, guard);
    guard.started();
    await this.#run(a, m, assignedAt, log, guard);
  }

  async #drainingHandBack(a: InvocationAssigned, m: JsMsg, guard: PickupGuard): Promise<void> {
    // A hand-back waits out outages itself (`persist`): not a stuck pickup.
    guard.started();
    await this.#handBack(a, { code: "node_draining", message: `node ${this.#o.nodeId} is draining` }, "refused", undefined, guard.trace);
    m.ack();
  }

  async #run(a: InvocationAssigned, m: JsMsg, assignedAt: string, log: Logger, guard: PickupGuard): Promise<void> {
    let settle!: () => void;
    const { trace } = guard;
    const task: Task = { a, m, abandoned: false, finishing: false, fenced: false, cancel: new AbortController(), settled: new Promise((r) => (settle = r)), trace };
    this.#tasks.add(task);
    const renew = this.#renewLease(task, log);
    try {
      const startedAt = Date.now();
      const verdict = await this.#execute(a, task.cancel.signal);
      const finishedAt = Date.now();
      runVerdict(guard.span, verdict);
      if (task.abandoned) return;
      if (task.fenced) {
        // Another attempt owns the invocation now: this one records and reports nothing.
        this.#fenced(a, "lease_expired");
        m.ack();
        return;
      }
      task.finishing = true;
      if (verdict.kind === "final") await this.#final(a, verdict, { assignedAt, startedAt, finishedAt }, log, trace);
      else if (verdict.kind === "rejected") await this.#reject(a, verdict.error, log, trace);
      else await this.#handBack(a, verdict.error, verdict.call ? "failed" : "refused", verdict, trace);
      m.ack();
    } finally {
      clearInterval(renew);
      this.#tasks.delete(task);
      settle();
    }
  }

  /** Steps 3-5: the input, the version's spec, admission, the call. */
  async #execute(a: InvocationAssigned, signal: AbortSignal): Promise<Verdict> {
    let input;
    try {
      input = await callInput(a, this.#payloads);
    } catch (e) {
      return verdictOfError(e);
    }
    if (!input.ok) return { kind: "rejected", error: input.error };
    const resolved = await this.#o.taskRefs.waitFor(a.function, a.version, this.#o.versionWaitMs);
    if (!resolved.ok) return verdictOfError(resolved.error);
    const spec = resolved.spec;
    let permit;
    try {
      permit = this.#o.controller.admit({
        function: a.function,
        maxConcurrency: spec.limits.maxConcurrency,
        ...(spec.artifact ? { binary: spec.artifact.sha256 } : {}),
      });
    } catch (e) {
      return verdictOfError(e);
    }
    const started = performance.now();
    this.#o.pools.begin(a.function, a.version);
    let sample: { latencyMs: number } | undefined;
    try {
      const call = await this.#o.manager.invoke(a.function, a.version, spec, input.value, { invocationId: a.invocationId, timeoutMs: a.timeoutMs, signal });
      const responseMs = performance.now() - started;
      sample = { latencyMs: responseMs };
      this.#o.counters.executed(call.outcome.ok, responseMs);
      return verdictOfCall(call);
    } catch (e) {
      return verdictOfError(e);
    } finally {
      permit.release(sample);
      this.#o.pools.end(a.function, a.version);
    }
  }

  /** Step 6: the result, then the slot. */
  async #final(
    a: InvocationAssigned,
    v: Verdict & { kind: "final" },
    times: { assignedAt: string; startedAt: number; finishedAt: number },
    log: Logger,
    trace: TraceHeaders | undefined,
  ): Promise<void> {
    const finished = finishedEvent(a, this.#o.nodeId, v, times);
    let out: RecordAnswer | "fenced";
    try {
      out = await this.#record(a, await this.#persist(() => storableResult(finished, this.#payloads)), trace);
    } catch (e) {
      // Left to the lease: it expires, and the reaper retries or finds a result.
      log.error({ err: e }, "could not record the result; the lease is left to expire");
      this.#outcome(a, v.status, v.call, v.status === "succeeded" ? undefined : v.error.code);
      return;
    }
    if (out === "fenced") return this.#refusedRecord(a, log);
    if (!out.recorded) log.info("another attempt recorded the result first; this one is dropped");
    await this.#release(a);
    // What was recorded may differ from the verdict: an output too large to record became a failure.
    if (out.recorded && out.status === "failed") this.#outcome(a, "failed", v.call, out.errorCode);
    else this.#outcome(a, v.status, v.call, v.status === "succeeded" ? undefined : v.error.code);
  }

  /** An invocation that cannot run anywhere for what it was given: it ends rejected here, once. */
  async #reject(a: InvocationAssigned, error: CallError, log: Logger, trace: TraceHeaders | undefined): Promise<void> {
    let out: RecordAnswer | "fenced";
    try {
      out = await this.#record(a, rejectedEvent(a, this.#o.nodeId, error, Date.now()), trace);
    } catch (e) {
      log.error({ err: e }, "could not record the rejection; the lease is left to expire");
      this.#outcome(a, "refused", undefined, error.code);
      return;
    }
    if (out === "fenced") return this.#refusedRecord(a, log);
    await this.#release(a);
    this.#outcome(a, "refused", undefined, error.code);
  }

  /**
   * Has the schedulers' recorder record a final result (NATS and Redis outages and a recorder
   * that dies are waited out, within `persist`'s bound); "fenced" when the recorder refused it
   * because this node no longer holds the attempt's lease: a retry owns the invocation.
   */
  async #record(a: InvocationAssigned, result: InvocationFinished, trace: TraceHeaders | undefined): Promise<RecordAnswer | "fenced"> {
    try {
      return await this.#persist(() => sendResult(this.#o.nc, this.#o.nodeId, { leaseToken: a.leaseToken, result, replyTo: a.replyTo }, trace));
    } catch (e) {
      if (hasRetryClass(e, "fenced")) return "fenced";
      throw e;
    }
  }

  /** The lease was taken away before the result was recorded: dropped, and the lease left alone (it is not this node's to release). */
  #refusedRecord(a: InvocationAssigned, log: Logger): void {
    log.warn("the lease was fenced off before the result was recorded: the result is dropped");
    this.#fenced(a, "lease_not_held");
  }

  /**
   * Step 7: the next attempt on another node, THEN the slot (a crash in between leaves an
   * expiring lease whose reaper retry is the same attempt, deduplicated by its message id).
   */
  async #handBack(
    a: InvocationAssigned,
    error: CallError,
    status: "refused" | "failed",
    verdict: Extract<Verdict, { kind: "retry" }> | undefined,
    trace: TraceHeaders | undefined,
  ): Promise<void> {
    const log = this.#log.child({ invocationId: a.invocationId, attempt: a.attempt, function: a.function, ...traceLogFields(undefined, trace) });
    this.#o.counters.handedBack += 1;
    metric("spear_spearlet_handbacks_total").inc({ code: codeLabel(error.code) });
    try {
      if (await this.#askNextAttempt(a, error, retryCause(error.code, this.#o.nodeId))) {
        log.info({ code: error.code }, "handed back for another node");
      } else {
        // The request aged out of SPEAR_INVOKE: nothing to retry from, so this attempt ends it.
        const now = Date.now();
        const out = await this.#record(a, {
          invocationId: a.invocationId,
          function: a.function,
          version: a.version,
          status: "failed",
          error: { code: error.code, message: `${error.message} (not retried: the request is no longer in ${streamNames.invoke})` },
          nodeId: this.#o.nodeId,
          attempts: a.attempt,
          timings: { submittedAt: a.submittedAt, finishedAt: new Date(now).toISOString(), totalMs: Math.max(0, now - Date.parse(a.submittedAt)) },
        }, trace);
        if (out === "fenced") return this.#refusedRecord(a, log);
      }
    } catch (e) {
      log.error({ err: e }, "could not hand the assignment back; the lease is left to expire for the reaper");
      this.#outcome(a, status, verdict?.call, error.code);
      return;
    }
    await this.#release(a);
    this.#outcome(a, status, verdict?.call, error.code);
  }

  /** Publishes the next attempt from the assignment's request; false when the request aged out of the stream. */
  async #askNextAttempt(a: InvocationAssigned, reason: CallError, cause: RetryCause): Promise<boolean> {
    const loaded = await this.#persist(() => loadRequest(this.#o.jsm, a.requestSeq));
    if (!loaded?.ok) return false;
    await this.#persist(() => requestRetry(this.#o.js, loaded.request, reason, cause));
    return true;
  }

  /** `persist` over NATS: a try cut off by a reconnect is made again at once. */
  #persist<T>(op: () => Promise<T>): Promise<T> {
    return persist(op, this.#o.reconnects);
  }

  async #release(a: InvocationAssigned): Promise<void> {
    try {
      // A few tries ride out a lease state being rebuilt after a Redis loss (about a second).
      await persist(() => this.#o.leases.release(a.leaseToken));
      // The schedulers learn at once that a slot is free here (a status report comes later).
      this.#o.nc.publish(subjects.capacity(this.#o.nodeId));
    } catch (e) {
      this.#log.warn({ err: e, invocationId: a.invocationId }, "could not release the lease; it expires on its own");
    }
  }

  /**
   * An assignment not run here because its lease is gone or over may be owned by nobody: a
   * lease lost with Redis (the lease state rebuilt from a log read before the assignment was
   * published) is retried by no reaper. A recent assignment whose invocation has no result asks
   * for the next attempt (a refusal: it ran nowhere). When the reaper or a hand-back asked for it
   * already, it is the same message (the same id, within the duplicate window), and JetStream keeps one.
   */
  async #retryIfOrphaned(a: InvocationAssigned, code: "lease_expired" | "lease_not_found", log: Logger): Promise<void> {
    if (Date.now() > Date.parse(a.deadline) + ORPHAN_RETRY_WINDOW_MS) return;
    try {
      if (await this.#persist(() => getResult(this.#o.jsm, a.invocationId))) return;
      const reason = { code, message: `attempt ${a.attempt} was not run on ${this.#o.nodeId} (its lease is gone or over) and the invocation has no result` };
      if (await this.#askNextAttempt(a, reason, { refusal: true })) {
        log.info("asked for the next attempt of an assignment whose lease is gone (its retry, if the reaper asked already)");
      }
    } catch (e) {
      log.warn({ err: e }, "could not ask for the next attempt of an assignment whose lease is gone");
    }
  }

  #fenced(a: InvocationAssigned, code: string): void {
    this.#o.counters.fenced += 1;
    this.#outcome(a, "refused", undefined, code);
  }

  #outcome(a: InvocationAssigned, status: InvocationOutcome["status"], call: PoolCall | undefined, errorCode?: string): void {
    metric("spear_spearlet_attempts_total").inc({ function: a.function, status });
    if (call) {
      metric("spear_spearlet_call_duration_seconds").observe({ function: a.function }, call.outcome.durationMs / 1000);
      if (call.coldStart) metric("spear_spearlet_cold_starts_total").inc({ function: a.function });
    }
    this.#o.reporter.addOutcome({
      invocationId: a.invocationId,
      function: a.function,
      version: a.version,
      attempt: a.attempt,
      status,
      ...(errorCode ? { errorCode: errorCode.slice(0, 64) } : {}),
      ...(call ? { instanceId: call.instanceId } : {}),
      coldStart: call?.coldStart ?? false,
      durationMs: call?.outcome.durationMs ?? 0,
      at: new Date().toISOString(),
    });
  }

  /**
   * Keeps a committed lease running while a call waits for a cold start, runs long, or waits to
   * record its result. A lease that is gone (expired, or expired by the scheduler because the
   * node was declared lost) stops the call: another attempt owns the invocation.
   */
  #renewLease(task: Task, log: Logger): NodeJS.Timeout {
    const { a } = task;
    const ttl = a.timeoutMs + this.#o.commitGraceMs;
    const timer = setInterval(() => {
      this.#o.leases.commit(a.leaseToken, ttl).catch((e: unknown) => {
        log.debug({ err: e }, "lease renewal failed");
        if (!hasRetryClass(e, "fenced") || task.finishing) return;
        clearInterval(timer);
        log.warn({ code: e.code }, "the call's lease was fenced off: the call is stopped and records nothing");
        task.fenced = true;
        task.cancel.abort();
      });
    }, Math.max(500, Math.floor(ttl / 2)));
    return timer;
  }

  /**
   * The assignment in the message and when the scheduler made it (its occurred-at header), or
   * undefined after dead-lettering a message that is not an assignment for this node.
   */
  async #decode(m: JsMsg): Promise<{ a: InvocationAssigned; assignedAt: string } | undefined> {
    const raw = rawOf(m);
    let problem: string;
    try {
      const event = decodeOwn(raw, streamNames.assign);
      if (event.type !== "InvocationAssigned") problem = `it is a ${event.type}`;
      else if (!hasAssignmentShape(event.data)) problem = "its body lacks the fields of an assignment";
      else if (event.data.nodeId !== this.#o.nodeId) problem = `it names node ${event.data.nodeId}`;
      else return { a: event.data, assignedAt: event.meta.occurredAt };
    } catch (e) {
      problem = e instanceof Error ? e.message : String(e);
    }
    this.#log.error({ seq: m.seq, problem }, "not an assignment for this node; dead-lettered");
    await deadLetter(this.#o.js, {
      source: "assign",
      key: this.#o.nodeId,
      reason: { code: "invalid_event", message: `not an assignment for node ${this.#o.nodeId}: ${problem}` },
      original: { stream: streamNames.assign, ...raw },
    });
    m.term();
    return undefined;
  }
}
