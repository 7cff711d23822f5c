import { DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg, type OrderedConsumerOptions } from "@nats-io/jetstream";
import { PULL_EXPIRES_MS } from "./catalog.js";
import { getStoredMessage } from "./stored-message.js";

export interface ReadOptions {
  /** One subject filter (wildcards allowed); the whole stream when absent. */
  readonly filter?: string;
  readonly fromSeq?: number;
  readonly startTime?: Date;
  /** Stop after this sequence (inclusive). */
  readonly toSeq?: number;
  /** Keep waiting for new messages instead of stopping at the end. */
  readonly follow?: boolean;
  readonly signal?: AbortSignal;
  /** Called once before the first message with roughly how many messages will come (for progress bars). */
  readonly onPending?: (pending: number) => void;
  /** Called once when every message that matched at the start has been read (at once if none). */
  readonly onCaughtUp?: () => void;
  /** Called once, before the first message, with the sequence of the last message that matched at the start (0: none to read). */
  readonly onEnd?: (endSeq: number) => void;
  /** How long without a message before the reader checks whether it is stuck (ms). */
  readonly stallCheckMs?: number;
  /** Deliver the messages' headers and subjects only (their bodies are empty). */
  readonly headersOnly?: boolean;
  /**
   * Ask the new consumer how many messages it has pending before looking up the last match:
   * a last-by-subject lookup scans the stream back to the newest match, which for a subject
   * written rarely is most of a long stream, while the count covers only what lies after
   * `fromSeq`. For readers that start near the end (from a snapshot). A count of 0 means
   * nothing to catch up on; otherwise the lookup gives the end, and the match is then recent.
   */
  readonly countFirst?: boolean;
  /**
   * When reading from the start: only the last message of each subject that matches, then
   * every new one. For a fold where a subject's last message alone decides (latest wins).
   */
  readonly lastPerSubject?: boolean;
}

/**
 * The sequence of the last message matching `filter` now, 0 when none. The end of a read is
 * judged by this, not by the consumer's pending count, which nats-server 2.9 can overstate
 * for filtered consumers.
 */
export async function lastMatchingSeq(jsm: JetStreamManager, stream: string, filter?: string): Promise<{ seq: number; time?: Date }> {
  if (!filter) {
    const info = await jsm.streams.info(stream);
    return { seq: info.state.last_seq, ...(info.state.last_ts ? { time: new Date(info.state.last_ts) } : {}) };
  }
  const last = await getStoredMessage(jsm, stream, { last_by_subj: filter });
  return last ? { seq: last.seq, time: last.time } : { seq: 0 };
}

/**
 * Reads a stream in order through an ordered consumer. Without `follow` it stops at the last
 * matching message that existed when it started, and returns at once when there is none.
 *
 * An ordered consumer lives only on the server it was made on: after that server restarts,
 * the client may fail to remake it and wait forever. So when no message has come for a while
 * although the stream holds newer matching messages, the reader drops the consumer and goes
 * on from the next sequence with a new one.
 */
export async function* readStream(js: JetStreamClient, stream: string, opts: ReadOptions = {}): AsyncGenerator<JsMsg> {
  const jsm = await js.jetstreamManager(false);
  /** The last message that existed at the start, 0 once read (or when there was none). */
  let endSeq = 0;
  const findEnd = async (): Promise<boolean> => {
    const last = await lastMatchingSeq(jsm, stream, opts.filter);
    endSeq = opts.toSeq !== undefined ? Math.min(last.seq, opts.toSeq) : last.seq;
    const nothingBefore =
      endSeq === 0 ||
      (opts.fromSeq !== undefined && opts.fromSeq > endSeq) ||
      (opts.startTime !== undefined && last.time !== undefined && last.time < opts.startTime);
    if (!nothingBefore) {
      opts.onEnd?.(endSeq);
      return true;
    }
    endSeq = 0;
    opts.onEnd?.(0);
    opts.onCaughtUp?.();
    return opts.follow === true;
  };
  if (!opts.countFirst && !(await findEnd())) return;
  let endFound = !opts.countFirst;
  let lastSeq = 0;
  let reportPending = opts.countFirst || opts.onPending !== undefined;
  while (!opts.signal?.aborted) {
    const copts: Partial<OrderedConsumerOptions> = {};
    if (opts.filter) copts.filter_subjects = opts.filter;
    if (opts.headersOnly) copts.headers_only = true;
    const from = lastSeq > 0 ? lastSeq + 1 : opts.fromSeq;
    if (from && from > 1) {
      copts.deliver_policy = DeliverPolicy.StartSequence;
      copts.opt_start_seq = from;
    } else if (opts.startTime) {
      copts.deliver_policy = DeliverPolicy.StartTime;
      copts.opt_start_time = opts.startTime.toISOString();
    } else if (opts.lastPerSubject) {
      // The stream's last match is the last of its subject, so the end is still delivered.
      copts.deliver_policy = DeliverPolicy.LastPerSubject;
    }
    const consumer = await js.consumers.get(stream, copts);
    const messages = await consumer.consume({ max_messages: 1024, expires: PULL_EXPIRES_MS });
    const stop = () => messages.stop();
    opts.signal?.addEventListener("abort", stop, { once: true });
    if (opts.signal?.aborted) stop();
    const watchdog = stallWatchdog(opts.stallCheckMs ?? 1_000, () => lastSeq, () => newestUnread(jsm, stream, opts.filter, consumer), stop);
    try {
      if (reportPending) {
        const pending = (await consumer.info()).num_pending;
        opts.onPending?.(pending);
        reportPending = false;
        if (!endFound) {
          endFound = true;
          if (pending === 0) {
            opts.onEnd?.(0);
            opts.onCaughtUp?.();
            if (!opts.follow) return;
          } else if (!(await findEnd())) return;
        }
      }
      for await (const m of messages) {
        watchdog.saw();
        if (opts.toSeq !== undefined && m.seq > opts.toSeq) return;
        lastSeq = m.seq;
        yield m;
        if (endSeq > 0 && m.seq >= endSeq) {
          endSeq = 0;
          opts.onCaughtUp?.();
          if (!opts.follow) return;
        }
      }
      if (!watchdog.fired) return;
    } finally {
      watchdog.cancel();
      opts.signal?.removeEventListener("abort", stop);
      stop();
    }
  }
}

/**
 * The newest matching message the consumer should have delivered by now, 0 when it has
 * nothing pending. Its pending count is cheap to ask for (it covers only what follows the
 * consumer's position); the last-by-subject lookup, which scans back to the newest match,
 * is made only when the count says there is something, or when the consumer cannot answer
 * (gone with a restarted server).
 */
async function newestUnread(jsm: JetStreamManager, stream: string, filter: string | undefined, consumer: { info(): Promise<{ num_pending: number }> }): Promise<number> {
  const pending = await consumer.info().then(
    (i) => i.num_pending,
    () => undefined,
  );
  if (pending === 0) return 0;
  return (await lastMatchingSeq(jsm, stream, filter)).seq;
}

/** Stops a quiet consumer whose stream has moved past what it delivered. */
function stallWatchdog(everyMs: number, delivered: () => number, newest: () => Promise<number>, stop: () => void) {
  let quietSince = Date.now();
  let fired = false;
  const timer = setInterval(() => {
    if (Date.now() - quietSince < everyMs) return;
    quietSince = Date.now();
    newest().then(
      (seq) => {
        if (seq > delivered()) {
          fired = true;
          stop();
        }
      },
      () => undefined,
    );
  }, everyMs);
  timer.unref();
  return {
    saw: () => (quietSince = Date.now()),
    cancel: () => clearInterval(timer),
    get fired() {
      return fired;
    },
  };
}
