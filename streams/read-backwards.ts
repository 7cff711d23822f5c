import type { JsMsg } from "@nats-io/jetstream";
import type { Nats } from "./connection.js";
import { readStream } from "./reader.js";

/** How many messages one listing reads at most, unless it asks for another bound. */
export const DEFAULT_MAX_SCAN = 100_000;

/** What a backwards scan does with one stored message: keep it (a value), skip it (undefined), or end the scan (`STOP`: older ones cannot match). */
export const STOP = Symbol("stop");
export type Keep<T> = (m: JsMsg) => T | undefined | typeof STOP;

export interface BackwardsQuery {
  readonly filter?: string | undefined;
  /** Read below this sequence only (a page's `next`); the newest message when absent. */
  readonly before?: number | undefined;
  readonly limit: number;
  /** Stop after covering this many sequences, kept or not, so a rare filter stays bounded. */
  readonly maxScan: number;
  /** Sequences read per consumer; windows go from the newest backwards. */
  readonly window?: number | undefined;
}

export interface BackwardsPage<T> {
  /** Newest first. */
  readonly items: T[];
  /** Sequences covered. */
  readonly scanned: number;
  /** Pass as `before` to read on; null when nothing older can match. */
  readonly next: number | null;
}

/**
 * Reads a stream newest first, in windows of sequences each read in order by one short-lived
 * ordered consumer: the first page costs a window or two however long the stream is, and a
 * page ends at `limit` kept messages or `maxScan` sequences, whichever comes first.
 */
export async function readBackwards<T>(nats: Nats, stream: string, q: BackwardsQuery, keep: Keep<T>): Promise<BackwardsPage<T>> {
  // A filtered consumer delivers only matches, so a wider window costs little more than a narrow one.
  const window = q.window ?? (q.filter ? 4_096 : 256);
  const { state } = await nats.jsm.streams.info(stream);
  const first = Math.max(1, state.first_seq);
  const items: T[] = [];
  let hi = Math.min(state.last_seq, (q.before ?? Number.MAX_SAFE_INTEGER) - 1);
  let scanned = 0;
  while (hi >= first && items.length < q.limit && scanned < q.maxScan) {
    const lo = Math.max(first, hi - window + 1);
    const batch: JsMsg[] = [];
    for await (const m of readStream(nats.js, stream, { fromSeq: lo, toSeq: hi, ...(q.filter ? { filter: q.filter } : {}) })) batch.push(m);
    for (let i = batch.length - 1; i >= 0; i--) {
      const m = batch[i]!;
      const kept = keep(m);
      if (kept === STOP) return { items, scanned: scanned + (hi - m.seq + 1), next: null };
      if (kept === undefined) continue;
      items.push(kept);
      if (items.length === q.limit) return { items, scanned: scanned + (hi - m.seq + 1), next: m.seq > first ? m.seq : null };
    }
    scanned += hi - lo + 1;
    hi = lo - 1;
  }
  return { items, scanned, next: hi >= first ? hi + 1 : null };
}
