// The load and the observer of the chaos suite: a plain NATS client that knows Spear only by its
// documented wire contract (docs/api.md, "Invoking functions"), so nothing of Spear's own code
// stands between the faults and what is measured.
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { connect, headers, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { parseNatsUrl } from "../../streams/nats-url.js";

export const RESULTS_STREAM = "SPEAR_RESULTS";
export const resultSubject = (id: string) => `spear.result.${id}`;
const RESULT_PREFIX = "spear.result.";
const REPLY_TO = "Spear-Reply-To";

/** Wall-clock time in ms with sub-millisecond precision (results carry wall-clock times). */
export const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const describe = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** One planned call. */
export interface Call {
  readonly id: string;
  readonly fn: string;
  readonly input: unknown;
}

/** What the client knows of one call: its publishes, their acknowledgements, its replies. */
export interface Submission extends Call {
  /** When the first publish went out (see `now`). */
  firstPublishAt: number;
  publishes: number;
  acked: boolean;
  /** When the stream's acknowledgement came: from then on Spear holds the call. */
  ackedAt?: number;
  /** Publishes after the first that the server acknowledged as duplicates of an earlier one. */
  duplicateAcks: number;
  /** Every try failed or timed out. */
  abandoned: boolean;
  lastError?: string;
  replies: number;
  firstReplyAt?: number;
  firstReplyBody?: string;
  /** Replies whose body differs from the first one. */
  differentReplies: number;
  /** Replies equal to the first one, received again. */
  repeatedReplies: number;
  /** When a final result was first seen: a reply, its result subject, or a read of it. */
  resultSeenAt?: number;
  lastCheckedAt?: number;
}

export interface ClientOptions {
  readonly url: string;
  /** Names the reply subjects: `_INBOX.chaos.<runId>.<invocation id>`. */
  readonly runId: string;
  readonly publishTimeoutMs: number;
  readonly publishTries: number;
  readonly publishBackoffMs: number;
}

/** Publishes still waiting for an acknowledgement, at most; submission pauses beyond it. */
const MAX_UNACKED = 1_000;
/** How often, and how many at a time, calls without a seen result are looked up on their result subject. */
const SWEEP_EVERY_MS = 1_000;
const SWEEP_BATCH = 128;
const SWEEP_AFTER_MS = 2_000;

export class ChaosClient {
  readonly submissions: Submission[] = [];
  /** Replies to a subject of ours that names no call we made. */
  strayReplies = 0;
  readonly #byId = new Map<string, Submission>();
  readonly #unseen = new Set<Submission>();
  readonly #publishing = new Set<Promise<void>>();
  readonly #subs: Subscription[] = [];
  readonly #sweeper: NodeJS.Timeout;
  #sweeping = false;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    private readonly o: ClientOptions,
  ) {
    const replies = nc.subscribe(`${this.replyPrefix}.>`, {
      callback: (err, m) => {
        if (!err) this.onReply(m);
      },
    });
    // A result is also delivered on its subject as it is stored; this sees those whose reply was lost.
    const results = nc.subscribe(`${RESULT_PREFIX}>`, {
      callback: (err, m) => {
        if (!err) this.seen(m.subject.slice(RESULT_PREFIX.length));
      },
    });
    this.#subs.push(replies, results);
    this.#sweeper = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
  }

  /** Connects for good: the client reconnects by itself across nats-server restarts. */
  static async connect(o: ClientOptions): Promise<ChaosClient> {
    const { servers, user, password } = parseNatsUrl(o.url);
    const nc = await connect({ servers, user, pass: password, name: "spear-chaos-load", maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: 5_000 });
    return new ChaosClient(nc, jetstream(nc, { timeout: o.publishTimeoutMs }), await jetstreamManager(nc), o);
  }

  get replyPrefix(): string {
    return `_INBOX.chaos.${this.o.runId}`;
  }

  /**
   * Calls without a final result seen: `held`, those the stream acknowledged at least
   * `olderThanMs` ago (Spear holds them); `all`, those first published that long ago and not
   * abandoned, including the ones the client has not yet got acknowledged (NATS away, a retry
   * waiting out its backoff).
   */
  outstanding(olderThanMs: number): { held: number; all: number } {
    const before = now() - olderThanMs;
    let held = 0;
    let all = 0;
    for (const s of this.#unseen) {
      if (!s.abandoned && s.firstPublishAt <= before) all++;
      if (s.ackedAt !== undefined && s.ackedAt <= before) held++;
    }
    return { held, all };
  }

  /** Acknowledged calls still without a final result seen. */
  unfinishedAcked(): number {
    let n = 0;
    for (const s of this.#unseen) if (s.acked) n++;
    return n;
  }

  /**
   * Submits `calls` calls at `rate` per second. Pacing never catches up in a burst: a timer
   * that fires late is made up by the next interval, but after a longer stall the schedule
   * starts again from now. Bounded in count and in time (three times the planned length, plus
   * a minute).
   */
  async runLoad(o: { calls: number; rate: number; plan: (k: number) => Call; signal: AbortSignal }): Promise<{ submitted: number; elapsedMs: number }> {
    const interval = 1000 / o.rate;
    const started = performance.now();
    const deadline = started + 3 * o.calls * interval + 60_000;
    let next = started;
    let k = 0;
    for (; k < o.calls && !o.signal.aborted && performance.now() < deadline; k++) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      while (this.#publishing.size >= MAX_UNACKED && !o.signal.aborted && performance.now() < deadline) await sleep(5);
      this.submit(o.plan(k));
      next = Math.max(next + interval, performance.now() - interval);
    }
    return { submitted: k, elapsedMs: performance.now() - started };
  }

  /** Waits until every submission's publishing has ended (acknowledged or abandoned), at most `timeoutMs`. */
  async publishesSettled(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#publishing.size > 0 && Date.now() < deadline) await Promise.race([Promise.allSettled([...this.#publishing]), sleep(1_000)]);
  }

  /** Waits until every acknowledged call has a final result seen; false when `timeoutMs` passed first. */
  async waitForResults(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.unfinishedAcked() > 0) {
      if (Date.now() >= deadline || signal.aborted) return false;
      await sleep(250);
    }
    return true;
  }

  /** The recorded result of a call: the last message of its result subject, by a direct get. */
  async recordedResult(id: string): Promise<Uint8Array | null> {
    const m = await this.jsm.direct.getMessage(RESULTS_STREAM, { last_by_subj: resultSubject(id) });
    return m ? m.data : null;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    for (const s of this.#subs) s.unsubscribe();
    await this.nc.close().catch(() => undefined);
  }

  private submit(call: Call): void {
    const s: Submission = { ...call, firstPublishAt: now(), publishes: 0, acked: false, duplicateAcks: 0, abandoned: false, replies: 0, differentReplies: 0, repeatedReplies: 0 };
    this.submissions.push(s);
    this.#byId.set(s.id, s);
    this.#unseen.add(s);
    const p = this.publish(s).finally(() => this.#publishing.delete(p));
    this.#publishing.add(p);
  }

  /** Publishes until acknowledged, the same invocation id each time, with backoff; bounded tries. */
  private async publish(s: Submission): Promise<void> {
    const body = new TextEncoder().encode(JSON.stringify({ input: s.input }));
    const h = headers();
    h.set(REPLY_TO, `${this.replyPrefix}.${s.id}`);
    for (let t = 0; t < this.o.publishTries; t++) {
      if (t > 0) await sleep(Math.min(2_000, this.o.publishBackoffMs * 2 ** (t - 1)));
      s.publishes++;
      try {
        const ack = await this.js.publish(`spear.invoke.${s.fn}`, body, { msgID: s.id, headers: h, timeout: this.o.publishTimeoutMs });
        if (ack.duplicate) s.duplicateAcks++;
        s.acked = true;
        s.ackedAt = now();
        return;
      } catch (e) {
        s.lastError = describe(e);
      }
    }
    s.abandoned = true;
  }

  private onReply(m: Msg): void {
    const s = this.#byId.get(m.subject.slice(this.replyPrefix.length + 1));
    if (!s) {
      this.strayReplies++;
      return;
    }
    const body = m.string();
    s.replies++;
    if (s.firstReplyBody === undefined) {
      s.firstReplyBody = body;
      s.firstReplyAt = now();
      this.seen(s.id);
    } else if (body === s.firstReplyBody) s.repeatedReplies++;
    else s.differentReplies++;
  }

  private seen(id: string): void {
    const s = this.#byId.get(id);
    if (!s || s.resultSeenAt !== undefined) return;
    s.resultSeenAt = now();
    this.#unseen.delete(s);
  }

  /** Looks up calls that have waited a while without a result seen: their reply and result message may both have been missed. */
  private async sweep(): Promise<void> {
    if (this.#sweeping) return;
    this.#sweeping = true;
    try {
      const t = now();
      const due = [...this.#unseen].filter((s) => t - s.firstPublishAt >= SWEEP_AFTER_MS && t - (s.lastCheckedAt ?? 0) >= SWEEP_AFTER_MS).slice(0, SWEEP_BATCH);
      await Promise.all(
        due.map(async (s) => {
          s.lastCheckedAt = t;
          if (await this.recordedResult(s.id).catch(() => null)) this.seen(s.id);
        }),
      );
    } finally {
      this.#sweeping = false;
    }
  }
}
