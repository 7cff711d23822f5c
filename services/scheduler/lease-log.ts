import { isSpearError } from "../../domain/errors.js";
import type { InvocationAssigned } from "../../domain/events/invocation.js";
import { H } from "../../domain/headers.js";
import { lastToken } from "../../domain/subjects.js";
import { streamNames } from "../../streams/catalog.js";
import { decodeRecorded, rawOf, type RawStoredMessage } from "../../streams/codec.js";
import type { Nats } from "../../streams/connection.js";
import { readStream } from "../../streams/reader.js";
import { RUN_GRACE_MS, type ActiveLease } from "../leases/lease.js";

/** An assignment message as read, with the attempt its headers claim. */
interface Candidate {
  readonly raw: RawStoredMessage;
  readonly attempt: number;
}

/**
 * What the log says about live leases: the assignments since `since` whose invocation has no
 * result. Read once, then topped up from where the last read ended, so a scheduler that read
 * it while Redis was away rebuilds the lease state in the moment it is back, reading only
 * what was written since. A result is known by its subject alone, and an assignment by its
 * headers until it is known to have no result: only those few are decoded.
 */
export class LeaseLog {
  private readonly assigned = new Map<string, Candidate[]>();
  private readonly finished = new Set<string>();
  private assignSeq = 0;
  private resultSeq = 0;
  /** The read under way: reads follow one another, each from where the last ended. */
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly nats: Nats,
    readonly since: Date,
  ) {}

  /** Reads both streams from where the last read ended (from `since` the first time). */
  catchUp(): Promise<void> {
    this.reading = this.reading
      .catch(() => undefined)
      .then(async () => {
        await Promise.all([this.readAssignments(), this.readResults()]);
        for (const id of this.finished) this.assigned.delete(id);
      });
    return this.reading;
  }

  /** The latest attempt of every invocation assigned since `notBefore` (no earlier than `since`) that has no result. */
  active(notBefore: Date = this.since): ActiveLease[] {
    const active: ActiveLease[] = [];
    for (const [invocationId, candidates] of this.assigned) {
      if (this.finished.has(invocationId)) continue;
      const latest = latestDecodable(invocationId, candidates);
      if (!latest || Date.parse(latest.at) < notBefore.getTime()) continue;
      const { a, at } = latest;
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

  private from(seq: number) {
    return seq > 0 ? { fromSeq: seq + 1 } : { startTime: this.since };
  }

  private async readAssignments(): Promise<void> {
    for await (const m of readStream(this.nats.js, streamNames.assign, this.from(this.assignSeq))) {
      this.assignSeq = m.seq;
      const raw = rawOf(m);
      let invocationId = raw.headers?.get(H.invocationId) ?? "";
      let attempt = Number(raw.headers?.get(H.attempt) ?? 0) || 0;
      if (!invocationId) {
        // Not written by a scheduler (no headers): decoded to learn what it is.
        const e = decodeAssignment(raw);
        if (!e) continue;
        ({ invocationId, attempt } = e.a);
      }
      const list = this.assigned.get(invocationId);
      if (list) list.push({ raw, attempt });
      else this.assigned.set(invocationId, [{ raw, attempt }]);
    }
  }

  private async readResults(): Promise<void> {
    for await (const m of readStream(this.nats.js, streamNames.results, { ...this.from(this.resultSeq), headersOnly: true })) {
      this.resultSeq = m.seq;
      this.finished.add(lastToken(m.subject));
    }
  }
}

/** The live leases the log holds for assignments since `since`, read in one go. */
export async function activeLeasesFromLog(nats: Nats, since: Date): Promise<ActiveLease[]> {
  const log = new LeaseLog(nats, since);
  await log.catchUp();
  return log.active();
}

/** The highest attempt among the candidates that decodes as an assignment of this invocation. */
function latestDecodable(invocationId: string, candidates: readonly Candidate[]): { a: InvocationAssigned; at: string } | undefined {
  let best: { a: InvocationAssigned; at: string } | undefined;
  for (const c of [...candidates].sort((x, y) => y.attempt - x.attempt)) {
    if (best && c.attempt < best.a.attempt) break;
    const e = decodeAssignment(c.raw);
    // Headers that name another invocation than the body (junk from another client) count for nothing.
    if (!e || e.a.invocationId !== invocationId) continue;
    if (!best || e.a.attempt > best.a.attempt) best = e;
  }
  return best;
}

/**
 * A message that is no assignment (junk from another client) holds no slot: undefined. The
 * spearlet it was addressed to dead-letters it.
 */
function decodeAssignment(raw: RawStoredMessage): { a: InvocationAssigned; at: string } | undefined {
  let e;
  try {
    e = decodeRecorded(raw, streamNames.assign);
  } catch (err) {
    if (isSpearError(err)) return undefined;
    throw err;
  }
  return e.type === "InvocationAssigned" ? { a: e.data, at: e.meta.occurredAt } : undefined;
}
