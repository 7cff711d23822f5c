import { AckPolicy, DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import type { Span, Tracer } from "@opentelemetry/api";
import type { Logger } from "pino";
import { hasRetryClass, isSpearError, retryClassOf, SpearError } from "../../domain/errors.js";
import type { InvocationAssigned } from "../../domain/events/invocation.js";
import { resolveVersion } from "../../domain/function/view.js";
import { place, type PolicyState, type Rng } from "../../domain/scheduling/index.js";
import type { SessionBinding } from "../../domain/scheduling/session-binding.js";
import type { SessionCommand } from "../../domain/session/commands.js";
import { sessionDecider } from "../../domain/session/decider.js";
import { INLINE_PAYLOAD_BYTES, inputObject, PAYLOAD_BUCKET } from "../../domain/payloads.js";
import { subjects } from "../../domain/subjects.js";
import { PULL_EXPIRES_MS, streamNames } from "../../streams/catalog.js";
import { rawOf } from "../../streams/codec.js";
import { handleCommand } from "../../streams/command-handler.js";
import type { Nats } from "../../streams/connection.js";
import type { EventStore } from "../../streams/event-store.js";
import { publishAssignment } from "../../streams/invocations/assignments.js";
import { deadLetter, isPoison } from "../../streams/dead-letter.js";
import { parseRequest, type ParsedRequest } from "../../streams/invocations/request.js";
import { Payloads } from "../../streams/invocations/payloads.js";
import { resendResult } from "../../streams/invocations/results.js";
import { encodeJson } from "../../streams/json.js";
import { isNotFound, isOutage } from "../../streams/nats-errors.js";
import { lastMatchingSeq } from "../../streams/reader.js";
import { throughOutages } from "../../streams/through-outages.js";
import type { Lease } from "../leases/lease.js";
import type { LeaseStore } from "../leases/lease-store.js";
import { SPAN_ATTRS } from "../telemetry/attributes.js";
import { onwardTrace, traceLogFields } from "../telemetry/trace-context.js";
import { codeLabel, metric, readFrom } from "../metrics/registry.js";
import type { SchedulerConfig } from "./config.js";
import type { NodePresence } from "./node-presence.js";
import type { SchedulerOutcomes } from "./outcomes.js";
import { endPlaceSpan, placeOutcome, startPlaceSpan } from "./place-span.js";
import { ResultFollowers } from "./result-followers.js";
import type { SnapshotSource } from "./snapshot-source.js";
import { WaitQueue, type QueueKey } from "./wait-queue.js";

export const SCHEDULER_CONSUMER = "spear_scheduler";

/** How long a spread call waits for this replica to fold the assignments published before it. */
const SPREAD_CATCH_UP_MS = 1_000;

/** Waiting requests at the head of the queue woken by a freed slot, or by a newcomer that might take one. */
const HEAD_WAKES = 2;

interface Pending extends QueueKey {
  /** The latest delivery of the request (acknowledging any delivery settles it). */
  msg: JsMsg;
  readonly request: ParsedRequest;
  /** When the request runs out of queue time (epoch ms). */
  readonly deadline: number;
  nextTry: number;
  tries: number;
  busy: boolean;
  /** The `place` span, when this replica traces. */
  readonly span: Span | undefined;
}

type Attempt = "done" | "wait";

/** An attempt's course, decided before anything is recorded or published. */
type Plan =
  | { readonly kind: "wait" }
  | { readonly kind: "reject"; readonly error: SpearError }
  /** The same attempt was reserved before (a redelivery): finish what that delivery began. */
  | { readonly kind: "resume"; readonly lease: Lease; readonly version: number; readonly timeoutMs: number }
  | { readonly kind: "assign"; readonly lease: Lease; readonly version: number; readonly timeoutMs: number; readonly binding: SessionBinding | null };

const WAIT: Plan = { kind: "wait" };
const rejectPlan = (error: SpearError): Plan => ({ kind: "reject", error });

export interface DispatcherDeps {
  readonly nats: Nats;
  readonly store: EventStore;
  readonly leases: LeaseStore;
  readonly presence: NodePresence;
  readonly source: SnapshotSource;
  readonly outcomes: SchedulerOutcomes;
  readonly config: SchedulerConfig;
  readonly policy: PolicyState;
  readonly rng: Rng;
  readonly log: Logger;
  /** Called when a reservation found the lease state lost, so it is rebuilt from the log. */
  readonly onLeaseStateLost: () => void;
  /** Set when spans are exported: each request's attempt gets a `place` span. */
  readonly tracer?: Tracer | undefined;
}

export interface DispatcherStats {
  readonly queued: number;
  readonly placed: number;
  readonly rejected: number;
  readonly deadLettered: number;
  readonly redelivered: number;
}

/**
 * Takes invocation requests from the shared durable consumer and places them: the decision
 * reads the snapshot only; then a slot lease is reserved, the session bound on first use, the
 * assignment published, and only then the request acknowledged. A request that finds no
 * capacity waits here (its message kept alive) in priority order, and is rejected with
 * `no_capacity` once its queue time is over; beyond `maxQueued` it is redelivered later.
 */
export class Dispatcher {
  private readonly queue = new WaitQueue<Pending>();
  /** The queued requests by stream sequence. */
  private readonly held = new Map<number, Pending>();
  private readonly payloads: Payloads;
  private readonly followers: ResultFollowers;
  private readonly abort = new AbortController();
  private running = 0;
  private passScheduled = false;
  private timer?: NodeJS.Timeout;
  private keepAlive?: NodeJS.Timeout;
  private consuming?: Promise<void>;
  private counts = { placed: 0, rejected: 0, deadLettered: 0, redelivered: 0 };

  constructor(private readonly d: DispatcherDeps) {
    this.payloads = new Payloads(d.nats.js);
    this.followers = new ResultFollowers(d.nats, d.log);
  }

  get stats(): DispatcherStats {
    return { queued: this.queue.size, ...this.counts };
  }

  async start(signal?: AbortSignal): Promise<void> {
    const messages = await throughOutages(
      "open the request consumer",
      async () => {
        await this.ensureConsumer();
        const consumer = await this.d.nats.js.consumers.get(streamNames.invoke, SCHEDULER_CONSUMER);
        return consumer.consume({ max_messages: 256, expires: PULL_EXPIRES_MS });
      },
      { log: this.d.log, signal },
    );
    this.abort.signal.addEventListener("abort", () => messages.stop(), { once: true });
    if (this.abort.signal.aborted) messages.stop();
    this.d.source.onChange((_snapshot, capacity) => capacity && this.capacityMayHaveChanged());
    // A spearlet says so the moment it releases a lease: the slot goes to a waiting request at
    // once, not after the node's next status report or the request's backoff. The body is not read.
    const freed = this.d.nats.nc.subscribe(subjects.capacity("*"), { callback: () => this.slotFreed() });
    this.abort.signal.addEventListener("abort", () => freed.unsubscribe(), { once: true });
    this.keepAlive = setInterval(() => this.touchWaiting(), Math.floor(this.d.config.ackWait / 3));
    const unwatched = [readFrom("spear_scheduler_queued_requests", () => this.queue.size), readFrom("spear_scheduler_placing_requests", () => this.running)];
    this.abort.signal.addEventListener("abort", () => unwatched.forEach((u) => u()), { once: true });
    this.consuming = (async () => {
      for await (const m of messages) this.admit(m);
    })();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    clearInterval(this.keepAlive);
    clearTimeout(this.timer);
    await this.consuming;
    // Waiting requests go back to the stream at once for another replica.
    for (const p of this.queue.ordered()) if (!p.busy) p.msg.nak();
    const deadline = Date.now() + 5_000;
    while (this.running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.followers.stop();
  }

  private async ensureConsumer(): Promise<void> {
    const { jsm } = this.d.nats;
    const config = {
      durable_name: SCHEDULER_CONSUMER,
      filter_subject: subjects.allInvokes,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(this.d.config.ackWait),
      max_deliver: -1,
      // Every replica may hold maxQueued waiting requests; leave room for several replicas.
      max_ack_pending: Math.max(this.d.config.maxQueued * 8, 1_000),
      deliver_policy: DeliverPolicy.All,
    };
    try {
      const info = await jsm.consumers.info(streamNames.invoke, SCHEDULER_CONSUMER);
      if (info.config.max_ack_pending !== config.max_ack_pending || info.config.ack_wait !== config.ack_wait) {
        await jsm.consumers.update(streamNames.invoke, SCHEDULER_CONSUMER, { max_ack_pending: config.max_ack_pending, ack_wait: config.ack_wait });
      }
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await jsm.consumers.add(streamNames.invoke, config);
    }
  }

  /** A delivered request: parsed, then queued (or redelivered later when the queue is full). */
  private admit(msg: JsMsg): void {
    // Delivered again while this replica holds it (its keep-alive was lost to an outage): keep one.
    const held = this.held.get(msg.seq);
    if (held) {
      held.msg = msg;
      return;
    }
    const parsed = parseRequest(rawOf(msg));
    if (!parsed.ok) {
      this.finishWith(msg, () => this.d.outcomes.reject(parsed, parsed.error, 0), "rejected");
      return;
    }
    const request = parsed.request;
    // Each attempt waits at most the queue timeout from when it was requested (the first from the
    // client's submit); one that arrives late (a replica holding it died) is still tried once.
    const deadline = msg.time.getTime() + this.d.config.queueTimeout;
    if (this.queue.size >= this.d.config.maxQueued) {
      this.counts.redelivered++;
      metric("spear_scheduler_deferred_requests_total").inc();
      msg.nak(Math.min(10_000, 250 * 2 ** Math.min(msg.info.deliveryCount, 6)));
      return;
    }
    const span = this.d.tracer && startPlaceSpan(this.d.tracer, request);
    const pending: Pending = { msg, request, deadline, priority: request.body.priority, submittedAt: request.submittedAt, seq: request.requestSeq, nextTry: 0, tries: 0, busy: false, span };
    this.queue.add(pending);
    this.held.set(msg.seq, pending);
    metric("spear_scheduler_requests_total").inc({ kind: request.attempt > 1 ? "retry" : "first" });
    // A new request tries at once; the first few waiting ahead of it try with it, in queue order,
    // so that a slot it could take goes to them first rather than to the newcomer.
    this.wakeHead(HEAD_WAKES);
  }

  /** Slot leases work again (Redis is back): the requests waiting try now rather than after their backoff. */
  retryNow(): void {
    this.capacityMayHaveChanged();
  }

  /**
   * A new snapshot (a status report, a node joining) may mean free slots: the head of the
   * queue tries again at once instead of waiting out its backoff. Only the head, so a busy
   * cluster's stream of reports does not turn into a stream of reservations.
   */
  private capacityMayHaveChanged(): void {
    this.wakeHead(this.d.config.concurrency);
  }

  /** A node released a lease: one slot, which another replica may take first, so only the first few waiting requests try now. */
  private slotFreed(): void {
    // Every release in the cluster comes here: with nothing waiting there is nothing to do.
    if (this.queue.size > 0) this.wakeHead(HEAD_WAKES);
  }

  private wakeHead(n: number): void {
    for (const p of this.queue.head(n)) p.nextTry = 0;
    this.schedulePass();
  }

  private forget(p: Pending): void {
    this.queue.remove(p);
    this.held.delete(p.msg.seq);
    endPlaceSpan(p.span, p.tries);
  }

  private schedulePass(): void {
    if (this.passScheduled || this.abort.signal.aborted) return;
    this.passScheduled = true;
    setImmediate(() => {
      this.passScheduled = false;
      this.pass();
    });
  }

  /** Starts placements in queue order, as many as the concurrency allows; expires what waited too long. */
  private pass(): void {
    const now = Date.now();
    let nextWake = Infinity;
    for (const p of this.queue.ordered()) {
      if (p.busy) continue;
      if (now > p.deadline && p.tries > 0) {
        placeOutcome(p.span, "rejected", "no_capacity");
        this.forget(p);
        this.finishWith(p.msg, () => this.rejectNoCapacity(p.request), "rejected");
        continue;
      }
      if (p.nextTry > now) {
        nextWake = Math.min(nextWake, p.nextTry, p.deadline + 1);
        continue;
      }
      if (this.running >= this.d.config.concurrency) break;
      this.run(p);
    }
    clearTimeout(this.timer);
    if (nextWake !== Infinity) this.timer = setTimeout(() => this.schedulePass(), Math.max(1, nextWake - now));
  }

  private run(p: Pending): void {
    p.busy = true;
    this.running++;
    void this.attempt(p)
      .catch((e: unknown) => this.onAttemptError(p, e))
      .then((outcome) => {
        p.busy = false;
        this.running--;
        if (outcome === "done") this.forget(p);
        else {
          p.tries++;
          // Capacity frees when a call ends; status reports bring that within ~250 ms, the backoff covers the rest.
          p.nextTry = Date.now() + Math.min(500, 10 * 2 ** Math.min(p.tries, 6));
        }
        this.schedulePass();
      });
  }

  private onAttemptError(p: Pending, e: unknown): Attempt {
    if (isSpearError(e, "lease_state_lost")) this.d.onLeaseStateLost();
    // An outage (NATS or Redis away) is said once by the connection and the lease store.
    else if (!isOutage(e)) this.d.log.error({ err: e, invocationId: p.request.invocationId, ...traceLogFields(p.span, p.request.trace) }, "placement failed; will try again");
    return "wait";
  }

  private async attempt(p: Pending): Promise<Attempt> {
    const { request: r, msg } = p;
    const { config } = this.d;
    if (r.attempt - r.refusals > config.maxAttempts || r.refusals > config.maxRefusals) {
      await this.d.outcomes.deadLetter(unplaced(r), { stream: streamNames.invoke, ...rawOf(msg) }, exhausted(r), r.attempt - 1);
      placeOutcome(p.span, "dead_lettered", "attempts_exhausted");
      this.counts.deadLettered++;
      msg.ack();
      return "done";
    }
    // An id that already has a result (submitted again after the duplicate window, or a request
    // redelivered after its outcome was recorded) runs nothing: its caller gets the recorded
    // result. Looked up while the placement is decided and a slot reserved; settled before
    // anything is recorded or published.
    const answered = p.tries === 0 ? resendResult(this.d.nats.nc, this.d.nats.jsm, r.invocationId, r.replyTo) : undefined;
    let plan: Plan;
    try {
      plan = await this.plan(p);
    } catch (e) {
      await answered?.catch(() => undefined);
      throw e;
    }
    // A slot reserved for a call that must not run (or whose lookup failed) goes back.
    const giveBack = () => (plan.kind === "assign" ? this.d.leases.giveBack(plan.lease.token) : undefined);
    const found = await answered?.catch(async (e: unknown) => {
      await giveBack();
      throw e;
    });
    if (found) {
      await giveBack();
      placeOutcome(p.span, "answered");
      msg.ack();
      return "done";
    }
    switch (plan.kind) {
      case "wait":
        return "wait";
      case "reject":
        return this.rejectWith(p, plan.error);
      case "resume":
        return this.resume(p, plan.lease, plan.version, plan.timeoutMs);
      case "assign":
        return this.place(p, plan);
    }
  }

  /** What to do with the request, decided without recording or publishing anything; a slot reserved when it is to be assigned. */
  private async plan(p: Pending): Promise<Plan> {
    const { request: r } = p;
    const { config } = this.d;
    if (p.tries === 0 && r.body.inputRef && !(await this.payloads.holds(r.body.inputRef))) {
      return rejectPlan(new SpearError("invalid_request", `the input object ${r.body.inputRef.object} is missing from ${PAYLOAD_BUCKET} or is not ${r.body.inputRef.size} bytes; upload it before the request`));
    }
    const resolved = resolveVersion(this.d.source.functionView(r.function), r.body.version, r.function);
    if (!resolved.ok) {
      // A function deployed a moment before the call may not be folded in yet: wait for the catalog, then decide.
      return (await this.catalogCaughtUp()) ? rejectPlan(resolved.error) : WAIT;
    }
    const version = resolved.version;
    const timeoutMs = resolved.spec.limits.timeoutMs;
    if (p.tries === 0 && r.body.spread && r.body.sessionId) await this.lastNodesCaughtUp();
    const decision = place(
      this.d.source.snapshot,
      {
        function: r.function,
        version,
        sessionId: r.body.sessionId,
        tenant: r.body.tenant,
        routingKey: r.body.routingKey,
        langPair: r.body.langPair,
        exclude: r.excludeNodes,
        avoid: r.avoidNodes,
        // Half its queue time spent waiting for another node: a node that failed it may take it again.
        reuseExcluded: Date.now() >= p.deadline - this.d.config.queueTimeout / 2,
        spread: r.body.spread,
      },
      { state: this.d.policy, rng: this.d.rng, options: config.place },
    );
    if (!decision.ok) {
      metric("spear_scheduler_placement_refusals_total").inc({ code: codeLabel(decision.code) });
      // Capacity (or a capable node) may appear while the request waits; anything else is final.
      if (retryClassOf(decision.code) === "retryable") return WAIT;
      return rejectPlan(new SpearError(decision.code, decision.message, decision.details));
    }
    for (const c of decision.candidates) {
      // A node whose process was found gone would only hold the call until it is given away again.
      if (this.d.presence.isGone(c.nodeId)) continue;
      const res = await this.d.leases.reserve(c.nodeId, c.slots, {
        invocationId: r.invocationId,
        attempt: r.attempt,
        ttlMs: config.pickupTimeout,
        requestSeq: r.requestSeq,
        stallMs: config.stallAfter,
      });
      if (!res.ok) {
        if (res.reason === "node_stalled") this.d.presence.suspect(c.nodeId);
        continue;
      }
      if (!res.created) return { kind: "resume", lease: res.lease, version, timeoutMs };
      return { kind: "assign", lease: res.lease, version, timeoutMs, binding: decision.binding };
    }
    return WAIT;
  }

  /** A slot is reserved: the session bound on first use, then the assignment published and the request acknowledged. */
  private async place(p: Pending, plan: Extract<Plan, { kind: "assign" }>): Promise<Attempt> {
    const { request: r, msg } = p;
    const { lease } = plan;
    if (plan.binding) {
      try {
        await this.bind(plan.binding, r);
      } catch (e) {
        await this.d.leases.giveBack(lease.token);
        // Another replica bound the session differently (or kept writing it): place again once the snapshot shows it.
        if (hasRetryClass(e, "conflict")) return "wait";
        throw e;
      }
    }
    const published = await this.assign(r, lease, plan.version, plan.timeoutMs, p.span);
    placeOutcome(p.span, "placed");
    // The assignment stored first may be another replica's, on this same reservation: released
    // while that node ran the call, its result was refused and the call lost (chaos, 2026-12-05).
    if (published.duplicate) await this.d.leases.giveBack(lease.token);
    this.counts.placed++;
    metric("spear_scheduler_placements_total").inc({ function: r.function });
    metric("spear_scheduler_placement_seconds").observe({ function: r.function }, Math.max(0, Date.now() - msg.time.getTime()) / 1000);
    msg.ack();
    return "done";
  }

  private async catalogCaughtUp(): Promise<boolean> {
    const { seq } = await lastMatchingSeq(this.d.nats.jsm, streamNames.events, subjects.eventsOf("function"));
    return this.d.source.functions.lastSeq >= seq;
  }

  /**
   * Spread avoids the node of the session's last call, which another replica may have placed a
   * moment ago: fold every assignment published so far first (bounded; late, it spreads on what it has).
   */
  private async lastNodesCaughtUp(): Promise<void> {
    const { seq } = await lastMatchingSeq(this.d.nats.jsm, streamNames.assign);
    await this.d.source.assignmentsFolded(seq, SPREAD_CATCH_UP_MS);
  }

  /** The same attempt was reserved before (a redelivery): finish what that delivery began. */
  private async resume(p: Pending, lease: Lease, version: number, specTimeoutMs: number): Promise<Attempt> {
    const r = p.request;
    if (lease.requestSeq !== 0 && lease.requestSeq !== r.requestSeq) {
      // Another request of the same invocation holds this attempt: this one runs nothing and
      // its caller gets the one result.
      if (r.replyTo) await this.followers.follow(r.invocationId, r.replyTo);
    } else if (lease.status === "reserved" || lease.status === "running") {
      await this.assign(r, lease, version, specTimeoutMs, p.span);
    }
    placeOutcome(p.span, "resumed");
    p.msg.ack();
    return "done";
  }

  /**
   * The input as the assignment carries it: by reference when the request holds a reference,
   * or when an inline input would not fit in an assignment message (a request just under the
   * message limit): then the scheduler stores it for the spearlet.
   */
  private async assignedInput(r: ParsedRequest): Promise<Pick<InvocationAssigned, "input" | "inputRef">> {
    if (r.body.inputRef) return { input: undefined, inputRef: r.body.inputRef };
    if (r.raw.length <= INLINE_PAYLOAD_BYTES) return { input: r.body.input };
    return { input: undefined, inputRef: await this.payloads.put(inputObject(r.invocationId), encodeJson(r.body.input ?? null)) };
  }

  private async assign(r: ParsedRequest, lease: Lease, version: number, specTimeoutMs: number, span: Span | undefined) {
    const assignment: InvocationAssigned = {
      invocationId: r.invocationId,
      function: r.function,
      version,
      attempt: r.attempt,
      nodeId: lease.nodeId,
      leaseToken: lease.token,
      deadline: new Date(lease.expiresAt).toISOString(),
      timeoutMs: r.body.timeoutMs !== undefined ? Math.min(r.body.timeoutMs, specTimeoutMs) : specTimeoutMs,
      requestSeq: r.requestSeq,
      submittedAt: r.submittedAt,
      ...(await this.assignedInput(r)),
      ...(r.replyTo ? { replyTo: r.replyTo } : {}),
      ...(r.body.sessionId ? { sessionId: r.body.sessionId } : {}),
    };
    span?.setAttribute(SPAN_ATTRS.nodeId, lease.nodeId);
    return publishAssignment(this.d.nats.js, assignment, onwardTrace(span, r.trace));
  }

  private async bind(b: SessionBinding, r: ParsedRequest): Promise<void> {
    const command: SessionCommand =
      b.kind === "rebind" && b.reason === "pool_ineligible"
        ? { type: "RebindSession", sessionId: b.sessionId, poolId: b.poolId, previousPoolId: b.previousPoolId, ...(b.langPair ? { langPair: b.langPair } : {}) }
        : {
            type: "BindSession",
            sessionId: b.sessionId,
            poolId: b.poolId,
            ...(b.langPair ? { langPair: b.langPair } : {}),
            ...(b.kind === "bind" && b.tenant ? { tenant: b.tenant } : {}),
          };
    await handleCommand(this.d.store, { type: "session", id: b.sessionId }, sessionDecider, command, { correlationId: r.invocationId });
  }

  private async rejectWith(p: Pending, error: SpearError): Promise<Attempt> {
    await this.d.outcomes.reject(unplaced(p.request), { code: error.code, message: error.message }, p.request.attempt - 1);
    placeOutcome(p.span, "rejected", error.code);
    this.counts.rejected++;
    p.msg.ack();
    return "done";
  }

  private rejectNoCapacity(r: ParsedRequest): Promise<void> {
    const waited = Math.round((Date.now() - Date.parse(r.submittedAt)) / 1000);
    return this.d.outcomes.reject(unplaced(r), { code: "no_capacity", message: `no node could take the call within ${waited} s of queueing` }, r.attempt - 1);
  }

  /** Records a final outcome for a request that never entered the queue, then acknowledges it. */
  private finishWith(msg: JsMsg, record: () => Promise<void>, kind: "rejected"): void {
    record().then(
      () => {
        this.counts[kind]++;
        msg.ack();
      },
      (e: unknown) => {
        if (isPoison(msg, e)) return void this.poison(msg, e);
        if (isOutage(e)) this.d.log.debug({ err: e }, "could not record a rejection during an outage; the request will be redelivered");
        else this.d.log.error({ err: e }, "could not record a rejection; the request will be redelivered");
        msg.nak(1_000);
      },
    );
  }

  /** A request whose outcome cannot be recorded however often it comes: kept in the dead-letter stream, no longer delivered. */
  private async poison(msg: JsMsg, e: unknown): Promise<void> {
    const reason = { code: "internal", message: `no outcome could be recorded after ${msg.info.deliveryCount} deliveries: ${e instanceof Error ? e.message : String(e)}` };
    try {
      const raw = rawOf(msg);
      const parsed = parseRequest(raw);
      await deadLetter(this.d.nats.js, { source: "invocation", key: parsed.ok ? parsed.request.function : parsed.function, reason, original: { stream: streamNames.invoke, ...raw } });
      metric("spear_scheduler_dead_letters_total").inc({ code: "internal" });
      this.d.log.error({ err: e, seq: msg.seq }, "a request that cannot be handled was dead-lettered");
      msg.term();
    } catch (again) {
      this.d.log.warn({ err: again, seq: msg.seq }, "could not dead-letter a request that cannot be handled; it will be delivered again");
      msg.nak(1_000);
    }
  }

  private touchWaiting(): void {
    for (const p of this.queue.ordered()) p.msg.working();
  }
}

const unplaced = (r: ParsedRequest) => ({
  invocationId: r.invocationId,
  function: r.function,
  replyTo: r.replyTo,
  submittedAt: r.submittedAt,
  version: r.body.version,
  trace: r.trace,
});

const exhausted = (r: ParsedRequest) => {
  const failed = r.attempt - 1 - r.refusals;
  const tried = `${failed} attempt(s) failed${r.refusals ? ` and ${r.refusals} were refused` : ""}`;
  return { code: "attempts_exhausted", message: `${tried}${r.retryReason ? `; the last: ${r.retryReason}` : ""}` };
};
