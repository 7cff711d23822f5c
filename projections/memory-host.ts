import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { rawOf } from "../streams/codec.js";
import { readStream } from "../streams/reader.js";
import { applyMessage } from "./apply.js";
import { DocStore } from "./doc-store.js";
import type { Projection } from "./projection.js";
import { isOutage } from "../streams/nats-errors.js";
import { PersistentDocs } from "./persistent-docs.js";
import { loadSnapshot } from "./snapshots.js";

export interface MemoryHostOptions {
  /** Fold into one new state at most this many events before swapping it in. */
  readonly maxBatch?: number;
  /** Swap at least this often (ms) while a long catch-up is under way. */
  readonly maxBatchMs?: number;
  readonly fromSeq?: number;
  /** Start from the projection's latest snapshot (see snapshots.ts) when there is a usable one. */
  readonly snapshots?: boolean;
}

/** `changed`: the keys whose document this swap replaced or deleted. */
type Listener<D> = (state: ReadonlyMap<string, D>, lastSeq: number, changed: ReadonlySet<string>) => void;

/** How far the host has read its stream (times in epoch ms). */
export interface FeedPosition {
  /** When the last folded message was stored (the server's clock); undefined before the first. */
  readonly lastTime?: number;
  /** Messages of the stream after the last folded one, as the server counted at its delivery. */
  readonly pending: number;
  /** When (this process's clock) the last batch was folded. */
  readonly foldedAt?: number;
}

/**
 * Runs a projection in this process, fed live by an ordered consumer. Each batch is folded
 * into a new version of the state (persistent, sharing what did not change) and swapped in
 * whole, so a reader holding `state` never sees it change.
 */
export class MemoryHost<D> {
  private current: ReadonlyMap<string, D>;
  private seq = 0;
  private folded = 0;
  private position: FeedPosition = { pending: 0 };
  private readonly listeners = new Set<Listener<D>>();
  private readonly abort = new AbortController();
  private caughtUp!: () => void;
  private running?: Promise<void>;
  /** Resolves once the state covers every event that existed when `start` was called. */
  readonly ready: Promise<void>;

  constructor(
    private readonly js: JetStreamClient,
    readonly projection: Projection<D>,
    private readonly log: Logger,
    private readonly opts: MemoryHostOptions = {},
  ) {
    this.current = projection.initialState();
    this.ready = new Promise((resolve) => (this.caughtUp = resolve));
  }

  get state(): ReadonlyMap<string, D> {
    return this.current;
  }

  /** The stream sequence of the last event folded into `state`. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Messages read from the stream and folded since the host started. */
  get foldedCount(): number {
    return this.folded;
  }

  /** Where the feed stands: a host with messages pending is behind the log. */
  get feed(): FeedPosition {
    return this.position;
  }

  /** Resolves true once the state covers stream sequence `seq`, false if it does not within `timeoutMs`. */
  reached(seq: number, timeoutMs: number): Promise<boolean> {
    if (this.seq >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        unsubscribe();
        resolve(ok);
      };
      const unsubscribe = this.subscribe((_state, last) => last >= seq && done(true));
      const timer = setTimeout(() => done(false), timeoutMs);
    });
  }

  subscribe(listener: Listener<D>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): Promise<void> {
    this.running ??= this.run();
    return this.ready;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    if (this.opts.snapshots && this.opts.fromSeq === undefined) await this.loadSnapshot();
    let backoff = 100;
    while (!this.abort.signal.aborted) {
      try {
        await this.follow();
        backoff = 100;
      } catch (e) {
        if (this.abort.signal.aborted) return;
        const fields = { err: e, projection: this.projection.name, lastSeq: this.seq };
        // An outage is said once by the connection; a feed failing for another reason is news.
        if (isOutage(e)) this.log.debug(fields, "projection feed interrupted by an outage; resuming");
        else this.log.warn(fields, "projection feed interrupted; resuming");
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  /** Takes the snapshot's state and sequence; the feed then follows from the next event. */
  private async loadSnapshot(): Promise<void> {
    const { projection } = this;
    const started = Date.now();
    const loaded = await loadSnapshot<D>(this.js, await this.js.jetstreamManager(false), projection);
    if (!loaded.ok) {
      this.log.info({ projection: projection.name, reason: loaded.reason }, "no usable snapshot; folding from sequence 1");
      return;
    }
    const { docs, lastSeq, takenAt } = loaded.snapshot;
    this.log.info({ projection: projection.name, lastSeq, takenAt, documents: docs.size, ms: Date.now() - started }, "started from a snapshot");
    this.swap(PersistentDocs.from(new Map([...projection.initialState(), ...docs])), lastSeq, new Set(docs.keys()));
  }

  private async follow(): Promise<void> {
    const { projection } = this;
    const maxBatch = this.opts.maxBatch ?? 10_000;
    const maxMs = this.opts.maxBatchMs ?? 20;
    const fromSeq = this.seq > 0 ? this.seq + 1 : (this.opts.fromSeq ?? 1);
    let endSeq = Number.POSITIVE_INFINITY;
    const feed = readStream(this.js, projection.stream, {
      filter: projection.subject,
      fromSeq,
      follow: true,
      // From a snapshot near the end of a long stream, a subject written rarely would cost a scan of most of it.
      countFirst: fromSeq > 1,
      lastPerSubject: fromSeq <= 1 && projection.latestPerSubject === true,
      onEnd: (end) => {
        endSeq = end;
        if (end === 0) this.caughtUp();
      },
      signal: this.abort.signal,
    });
    // Each message is folded as it comes (nothing waits in a list); the batch is swapped in
    // when it is big enough, `maxMs` after its first message, or at the end of the catch-up.
    // Until the events that existed at start are folded that makes big batches; then one per event.
    let batch: { store: DocStore<D>; size: number; last?: JsMsg } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const swapBatch = () => {
      clearTimeout(timer);
      const b = batch!;
      batch = undefined;
      const last = b.last!;
      const changed = b.store.takeChanged();
      this.position = { lastTime: last.time.getTime(), pending: last.info.pending, foldedAt: Date.now() };
      this.swap(b.store.seal(), last.seq, changed);
      if (last.seq >= endSeq) this.caughtUp();
    };
    try {
      for await (const m of feed) {
        if (!batch) {
          batch = { store: new DocStore(this.current), size: 0 };
          timer = setTimeout(swapBatch, maxMs);
        }
        const error = applyMessage(projection, batch.store, rawOf(m));
        if (error) this.log.warn({ projection: projection.name, seq: m.seq, code: error.code, reason: error.message }, "skipped an event");
        batch.last = m;
        this.folded++;
        if (++batch.size >= maxBatch || m.seq >= endSeq) swapBatch();
      }
      if (batch) swapBatch();
    } finally {
      // A batch not swapped in when the feed failed is read again from `seq`.
      clearTimeout(timer);
    }
  }

  private swap(next: ReadonlyMap<string, D>, seq: number, changed: ReadonlySet<string>): void {
    this.current = next;
    this.seq = seq;
    for (const l of this.listeners) {
      try {
        l(next, this.seq, changed);
      } catch (e) {
        this.log.error({ err: e, projection: this.projection.name }, "state listener failed");
      }
    }
  }
}
