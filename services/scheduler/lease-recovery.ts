import type { Logger } from "pino";
import { isSpearError } from "../../domain/errors.js";
import type { InvocationAssigned } from "../../domain/events/invocation.js";
import { lastToken } from "../../domain/subjects.js";
import { streamNames } from "../../streams/catalog.js";
import { decodeRecorded, rawOf } from "../../streams/codec.js";
import type { Nats } from "../../streams/connection.js";
import { isOutage } from "../../streams/nats-errors.js";
import { readStream } from "../../streams/reader.js";
import { RUN_GRACE_MS, type ActiveLease } from "../leases/lease.js";
import type { LeaseStore } from "../leases/lease-store.js";

const CHECK_MS = 1_000;

/**
 * Redis holds no fact the log lacks. When its lease state is gone (flushed, restarted), the
 * active leases are those assignments of the recent log whose invocation has no result yet:
 * they are put back with their original tokens, so spearlets can still commit and release
 * them and no slot is leaked or double-booked. Replicas noticing the same loss rebuild once.
 */
export class LeaseRecovery {
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly nats: Nats,
    private readonly leases: LeaseStore,
    /** How far back to read the assignment log (see `liveLeaseWindowMs`). */
    private readonly windowMs: () => number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.trigger(), CHECK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Rebuilds if the state is lost; concurrent calls share one rebuild. */
  trigger(): Promise<void> {
    this.running ??= this.recoverIfLost().finally(() => (this.running = undefined));
    return this.running;
  }

  private async recoverIfLost(): Promise<void> {
    try {
      if ((await this.leases.epoch()) !== null) return;
      const active = await activeLeasesFromLog(this.nats, new Date(Date.now() - this.windowMs()));
      const r = await this.leases.rebuild(active, { expectEpoch: null });
      // A fresh Redis (first start) looks the same as one that lost its state.
      if (r.applied) this.log.info({ leases: r.leases, epoch: r.epoch }, "lease state (re)built from the assignment log: Redis had none");
    } catch (e) {
      if (!isOutage(e)) this.log.error({ err: e }, "could not rebuild the lease state; will try again");
    }
  }
}

/** The latest attempt of every invocation assigned since `since` that has no result. */
export async function activeLeasesFromLog(nats: Nats, since: Date): Promise<ActiveLease[]> {
  // Both reads at once: the lease state stays unusable until they end. A result is known by its subject alone.
  const [latest, finished] = await Promise.all([latestAssignments(nats, since), finishedSince(nats, since)]);
  const active: ActiveLease[] = [];
  for (const { a, at } of latest.values()) {
    if (finished.has(a.invocationId)) continue;
    active.push({
      token: a.leaseToken,
      nodeId: a.nodeId,
      invocationId: a.invocationId,
      attempt: a.attempt,
      requestSeq: a.requestSeq,
      // Whether it was committed is not in the log; counting it as running holds its slot either way.
      state: "running",
      expiresAt: Date.parse(a.deadline) + a.timeoutMs + RUN_GRACE_MS,
      createdAt: Date.parse(at),
    });
  }
  return active;
}

async function latestAssignments(nats: Nats, since: Date): Promise<Map<string, { a: InvocationAssigned; at: string }>> {
  const latest = new Map<string, { a: InvocationAssigned; at: string }>();
  for await (const m of readStream(nats.js, streamNames.assign, { startTime: since })) {
    // A message that is no assignment (junk from another client) holds no slot: skipped. The
    // spearlet it was addressed to dead-letters it.
    let e;
    try {
      e = decodeRecorded(rawOf(m), streamNames.assign);
    } catch (err) {
      if (isSpearError(err)) continue;
      throw err;
    }
    if (e.type !== "InvocationAssigned") continue;
    const prev = latest.get(e.data.invocationId);
    if (!prev || prev.a.attempt < e.data.attempt) latest.set(e.data.invocationId, { a: e.data, at: e.meta.occurredAt });
  }
  return latest;
}

async function finishedSince(nats: Nats, since: Date): Promise<Set<string>> {
  const finished = new Set<string>();
  for await (const m of readStream(nats.js, streamNames.results, { startTime: since, headersOnly: true })) finished.add(lastToken(m.subject));
  return finished;
}
