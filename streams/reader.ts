import { DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg, type OrderedConsumerOptions } from "@nats-io/jetstream";

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
  const last = await jsm.direct.getMessage(stream, { last_by_subj: filter });
  return last ? { seq: last.seq, time: last.time } : { seq: 0 };
}

/**
 * Reads a stream in order through an ordered consumer (recreated by the client after gaps or
 * reconnects). Without `follow` it stops at the last matching message that existed when it
 * started, and returns at once when there is none.
 */
export async function* readStream(js: JetStreamClient, stream: string, opts: ReadOptions = {}): AsyncGenerator<JsMsg> {
  const jsm = await js.jetstreamManager(false);
  const last = await lastMatchingSeq(jsm, stream, opts.filter);
  let endSeq = opts.toSeq !== undefined ? Math.min(last.seq, opts.toSeq) : last.seq;
  const nothingBefore =
    endSeq === 0 ||
    (opts.fromSeq !== undefined && opts.fromSeq > endSeq) ||
    (opts.startTime !== undefined && last.time !== undefined && last.time < opts.startTime);
  if (nothingBefore) {
    endSeq = 0;
    opts.onCaughtUp?.();
    if (!opts.follow) return;
  }
  const copts: Partial<OrderedConsumerOptions> = {};
  if (opts.filter) copts.filter_subjects = opts.filter;
  if (opts.fromSeq && opts.fromSeq > 1) {
    copts.deliver_policy = DeliverPolicy.StartSequence;
    copts.opt_start_seq = opts.fromSeq;
  } else if (opts.startTime) {
    copts.deliver_policy = DeliverPolicy.StartTime;
    copts.opt_start_time = opts.startTime.toISOString();
  }
  const consumer = await js.consumers.get(stream, copts);
  const messages = await consumer.consume({ max_messages: 1024 });
  const stop = () => messages.stop();
  opts.signal?.addEventListener("abort", stop, { once: true });
  if (opts.signal?.aborted) stop();
  try {
    opts.onPending?.((await consumer.info()).num_pending);
    for await (const m of messages) {
      if (opts.toSeq !== undefined && m.seq > opts.toSeq) return;
      yield m;
      if (endSeq > 0 && m.seq >= endSeq) {
        endSeq = 0;
        opts.onCaughtUp?.();
        if (!opts.follow) return;
      }
    }
  } finally {
    opts.signal?.removeEventListener("abort", stop);
    stop();
  }
}
