import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { Logger } from "pino";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { isSpearError } from "../domain/errors.js";
import { PULL_EXPIRES_MS } from "../streams/catalog.js";
import { rawOf } from "../streams/codec.js";
import { deadLetter } from "../streams/dead-letter.js";
import { batches } from "../streams/batches.js";
import { isNotFound } from "../streams/nats-errors.js";
import { lastMatchingSeq } from "../streams/reader.js";
import { applyMessage } from "./apply.js";
import { DocStore } from "./doc-store.js";
import { OwnerLock, ownerId } from "./owner-lock.js";
import type { Projection } from "./projection.js";
import { defaultSnapshotPolicy, SnapshotWriter, type SnapshotPolicy } from "./snapshot-writer.js";
import { commitBatch, consumerName, loadDocuments, openReadModel, recover } from "./read-model.js";

/** How often an idle worker checks whether its snapshot can be moved to the stream's end. */
const COVER_CHECK_MS = 5_000;

export interface WorkerOptions {
  readonly replicas?: number;
  readonly owner?: string;
  readonly lockTtlMs?: number;
  /** Commit after this many events... */
  readonly maxBatch?: number;
  /** ...or this many ms, whichever comes first (and always when caught up). */
  readonly maxBatchMs?: number;
  /** Stop once every event that existed at start is applied (used by rebuild). */
  readonly untilCaughtUp?: boolean;
  /** Wait for a holder that stopped renewing (a crashed worker) instead of failing at once. */
  readonly waitForLock?: boolean;
  /** When to write the projection's snapshot for starting services; false: never (rebuild). */
  readonly snapshots?: SnapshotPolicy | false;
}

export interface WorkerProgress {
  readonly applied: number;
  readonly poison: number;
  readonly checkpoint: number;
}

/**
 * Runs a projection into a KV read model with a durable consumer. Each event is applied
 * exactly once across restarts: documents and checkpoint are committed together (see
 * commitBatch), and redelivered events at or below the checkpoint are skipped.
 */
export class ProjectionWorker<D> {
  /** Fires on `stop`; each pass also has its own, which losing the lock fires. */
  private readonly stopping = new AbortController();
  private abort = new AbortController();
  private readonly owner: string;
  private lock?: OwnerLock;
  private holding = false;
  private checkpoint = 0;
  private applied = 0;
  private poison = 0;
  private snapshots?: SnapshotWriter;
  /** The last event of the stream when this pass started. */
  private startEndSeq = 0;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly projection: Projection<D>,
    private readonly log: Logger,
    private readonly opts: WorkerOptions = {},
  ) {
    this.owner = opts.owner ?? ownerId(hostname(), process.pid, randomUUID().slice(0, 8));
  }

  /** Whether a pass holds the projection's lock now (readiness). */
  get owning(): boolean {
    return this.holding;
  }

  get progress(): WorkerProgress {
    return { applied: this.applied, poison: this.poison, checkpoint: this.checkpoint };
  }

  /**
   * Runs until `stop`, whatever happens to NATS meanwhile: a pass that ends because the lock
   * could not be renewed or the connection failed is followed by another (same owner, so the
   * lock is taken back at once unless another worker took it over), which recovers from the
   * read model's checkpoint.
   */
  async serve(): Promise<void> {
    for (let wait = 250; !this.stopping.signal.aborted; ) {
      const started = Date.now();
      try {
        await this.run();
      } catch (e) {
        if (this.stopping.signal.aborted) break;
        this.log.info({ projection: this.projection.name, reason: e instanceof Error ? e.message : String(e) }, "projection worker interrupted; resuming");
      }
      if (this.stopping.signal.aborted) break;
      wait = Date.now() - started > 10_000 ? 250 : Math.min(wait * 2, 5_000);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.stopping.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }

  /** One pass: takes ownership, recovers, then folds events until `stop`, a lost lock (or until caught up). */
  async run(): Promise<WorkerProgress> {
    this.abort = new AbortController();
    if (this.stopping.signal.aborted) this.abort.abort();
    const kv = await openReadModel(this.js, this.projection, this.opts.replicas ?? 1);
    const ttl = this.opts.lockTtlMs ?? 15_000;
    this.lock = new OwnerLock(kv, this.owner, ttl, (reason) => {
      this.log.info({ projection: this.projection.name, reason }, "could not renew the projection's lock; this pass ends");
      this.holding = false;
      this.abort.abort();
    });
    await this.acquire(this.lock, ttl);
    this.holding = true;
    try {
      this.checkpoint = await recover(kv);
      const policy = this.opts.snapshots ?? defaultSnapshotPolicy;
      this.snapshots = policy ? await SnapshotWriter.open(this.js, this.jsm, this.projection, this.log, policy, this.opts.replicas ?? 1) : undefined;
      const store = new DocStore<D>(await this.initialDocs(kv));
      await this.consume(kv, store);
      return this.progress;
    } finally {
      this.holding = false;
      await this.lock.release();
    }
  }

  stop(): void {
    this.stopping.abort();
    this.abort.abort();
  }

  private async acquire(lock: OwnerLock, ttl: number): Promise<void> {
    for (let logged = false; ; ) {
      try {
        return await lock.acquire();
      } catch (e) {
        if (!this.opts.waitForLock || !isSpearError(e, "projection_locked") || this.abort.signal.aborted) throw e;
        if (!logged) this.log.warn({ projection: this.projection.name, reason: e.message }, "waiting for the projection's current owner to let go");
        logged = true;
        await new Promise((r) => setTimeout(r, Math.max(100, ttl / 5)));
      }
    }
  }

  private async initialDocs(kv: KV): Promise<ReadonlyMap<string, D>> {
    const initial = this.projection.initialState();
    if (this.checkpoint === 0) return initial;
    return new Map([...initial, ...(await loadDocuments<D>(kv))]);
  }

  private async consume(kv: KV, store: DocStore<D>): Promise<void> {
    const { projection, log } = this;
    const name = consumerName(projection);
    await this.ensureConsumer(name);
    const { seq: endSeq } = await lastMatchingSeq(this.jsm, projection.stream, projection.subject);
    this.startEndSeq = endSeq;
    if (this.opts.untilCaughtUp && endSeq <= this.checkpoint) {
      await this.flush(kv, store, undefined);
      await this.coverStream(store);
      return;
    }
    const consumer = await this.js.consumers.get(projection.stream, name);
    const messages = await consumer.consume({ max_messages: this.opts.maxBatch ?? 1_000, expires: PULL_EXPIRES_MS });
    const stop = () => messages.stop();
    this.abort.signal.addEventListener("abort", stop, { once: true });
    if (this.abort.signal.aborted) stop();
    let folding = false;
    const policy = this.opts.snapshots ?? defaultSnapshotPolicy;
    const idle = setInterval(
      () => {
        if (!folding) void this.coverStream(store);
      },
      Math.min(COVER_CHECK_MS, policy ? policy.everyMs : COVER_CHECK_MS),
    );
    idle.unref();
    try {
      const grouped = batches(messages, {
        maxBatch: this.opts.maxBatch ?? 1_000,
        maxMs: this.opts.maxBatchMs ?? 200,
        endsBatch: (m) => m.seq === endSeq,
      });
      for await (const batch of grouped) {
        folding = true;
        for (const m of batch) {
          if (m.seq <= this.checkpoint) continue;
          const error = applyMessage(projection, store, rawOf(m));
          if (!error) {
            this.applied++;
            continue;
          }
          this.poison++;
          log.warn({ projection: projection.name, seq: m.seq, code: error.code, reason: error.message }, "poison event dead-lettered");
          await deadLetter(this.js, {
            source: "projection",
            key: projection.name,
            reason: error,
            original: { stream: projection.stream, ...rawOf(m) },
          });
        }
        await this.flush(kv, store, batch.at(-1));
        folding = false;
        if (this.opts.untilCaughtUp && this.checkpoint >= endSeq) {
          await this.coverStream(store);
          return;
        }
      }
    } finally {
      clearInterval(idle);
      this.abort.signal.removeEventListener("abort", stop);
      stop();
    }
  }

  private async flush(kv: KV, store: DocStore<D>, last: JsMsg | undefined): Promise<void> {
    const seq = Math.max(this.checkpoint, last?.seq ?? 0);
    await commitBatch(kv, store.takeDirty(), seq);
    this.checkpoint = seq;
    // AckPolicy.All: acknowledging the last message acknowledges the whole batch.
    if (last) await last.ackAck();
    await this.snapshots?.consider(seq, seq >= this.startEndSeq, () => [...store.keys()].map((k) => [k, store.get(k)] as const));
  }

  /** Between batches: the snapshot may say the state holds up to the stream's end (see SnapshotWriter.cover). */
  private async coverStream(store: DocStore<D>): Promise<void> {
    if (!this.snapshots) return;
    try {
      await this.snapshots.cover(this.checkpoint, () => [...store.keys()].map((k) => [k, store.get(k)] as const));
    } catch (e) {
      this.log.debug({ projection: this.projection.name, reason: e instanceof Error ? e.message : String(e) }, "snapshot of the stream's end not written");
    }
  }

  /**
   * The durable consumer is repositioned at the checkpoint on every start: what it had
   * delivered but we had not committed comes again at once instead of after its ack wait.
   * From no checkpoint, a latest-per-subject projection starts at each subject's last event.
   */
  private async ensureConsumer(name: string): Promise<void> {
    const { projection } = this;
    try {
      await this.jsm.consumers.delete(projection.stream, name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    await this.jsm.consumers.add(projection.stream, {
      durable_name: name,
      filter_subject: projection.subject,
      ack_policy: AckPolicy.All,
      ack_wait: 60_000_000_000,
      max_ack_pending: 20_000,
      ...(this.checkpoint > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.checkpoint + 1 }
        : { deliver_policy: projection.latestPerSubject ? DeliverPolicy.LastPerSubject : DeliverPolicy.All }),
    });
  }
}
