import type { Logger } from "pino";
import { isSpearError } from "../../domain/errors.js";
import { traceIdOf } from "../../domain/trace-context.js";
import type { Nats } from "../../streams/connection.js";
import { loadRequest } from "../../streams/invocations/load-request.js";
import { getResult } from "../../streams/invocations/results.js";
import { isOutage } from "../../streams/nats-errors.js";
import { requestRetry } from "../../streams/invocations/submit.js";
import type { ClaimedLease } from "../leases/lease.js";
import type { LeaseStore } from "../leases/lease-store.js";
import type { SchedulerOutcomes } from "./outcomes.js";
import { metric } from "../metrics/registry.js";

/** Longer than handling a batch takes; a reaper that dies holding claims loses them after this. */
const CLAIM_MS = 15_000;
const BATCH = 64;

/**
 * Turns expired leases into next attempts. A lease expires when its spearlet never started
 * the call (pickup timeout), died while running it, or its node was declared lost. If the
 * invocation has its result, the lease is only forgotten; otherwise the request is republished
 * as the next attempt with the node excluded (idempotent per attempt, so two reapers or a
 * reaper and the spearlet itself produce one retry), and the dispatcher dead-letters it when
 * attempts run out.
 */
export class Reaper {
  private timer?: NodeJS.Timeout;
  private busy = false;
  private stopped = false;
  retried = 0;
  forgotten = 0;

  constructor(
    private readonly nats: Nats,
    private readonly leases: LeaseStore,
    private readonly outcomes: SchedulerOutcomes,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly onLeaseStateLost: () => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** One round: claim a batch of expired leases and handle each. */
  async sweep(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      const claimed = await this.leases.claimExpired(BATCH, CLAIM_MS);
      await Promise.all(claimed.map((l) => this.handle(l)));
    } catch (e) {
      if (isSpearError(e, "lease_state_lost")) this.onLeaseStateLost();
      else if (!isOutage(e)) this.log.error({ err: e }, "reaper round failed");
    } finally {
      this.busy = false;
    }
  }

  private async handle(lease: ClaimedLease): Promise<void> {
    try {
      const action = (await getResult(this.nats.jsm, lease.invocationId)) ? "forgotten" : await this.retry(lease);
      await this.leases.forget(lease.token);
      this.forgotten++;
      metric("spear_scheduler_reaped_leases_total").inc({ action });
    } catch (e) {
      // The claim runs out and the lease comes back to a reaper.
      const fields = { err: e, invocationId: lease.invocationId, token: lease.token };
      if (isOutage(e)) this.log.info(fields, "could not handle an expired lease during an outage; it comes back when its claim runs out");
      else this.log.warn(fields, "could not handle an expired lease yet; it comes back when its claim runs out");
    }
  }

  private async retry(lease: ClaimedLease): Promise<"retried" | "rejected"> {
    const loaded = lease.requestSeq > 0 ? await loadRequest(this.nats.jsm, lease.requestSeq) : undefined;
    const reason = lease.committed
      ? { code: "lease_expired", message: `node ${lease.nodeId} did not finish attempt ${lease.attempt} in time` }
      : { code: "lease_expired", message: `node ${lease.nodeId} did not pick attempt ${lease.attempt} up in time` };
    if (loaded?.ok) {
      // A call never picked up never ran: like a refusal, it uses up no attempt.
      // The node went away (killed, hung, restarting) rather than failing the call: avoided, not excluded.
      await requestRetry(this.nats.js, loaded.request, reason, { avoidNode: lease.nodeId, refusal: !lease.committed });
      this.retried++;
      const trace = loaded.request.trace;
      this.log.info({ invocationId: lease.invocationId, attempt: lease.attempt, nodeId: lease.nodeId, ...(trace ? { trace_id: traceIdOf(trace) } : {}) }, "lease expired; next attempt requested");
      return "retried";
    }
    // The request aged out of its stream (or was never readable): nothing left to retry.
    await this.outcomes.reject(
      { invocationId: lease.invocationId, function: loaded && !loaded.ok ? loaded.function : "unknown", submittedAt: new Date(lease.createdAt).toISOString() },
      { code: "request_lost", message: `attempt ${lease.attempt} expired and its request is no longer in the stream` },
      lease.attempt,
    );
    return "rejected";
  }
}
