import { InvocationFinished, type InvocationStatus } from "../../domain/events/invocation.js";
import { streamNames } from "../catalog.js";
import type { Nats } from "../connection.js";
import { decodeJson } from "../json.js";
import { readStream } from "../reader.js";

export interface ResultQuery {
  readonly fn?: string | undefined;
  readonly status?: InvocationStatus | undefined;
  readonly limit: number;
  /** Stored results read per window; windows go from the newest backwards. */
  readonly window?: number;
  /** Stop after reading this many stored results, matched or not, so a rare filter stays bounded. */
  readonly maxScan?: number;
}

export interface ResultList {
  /** Newest first. */
  readonly items: InvocationFinished[];
  /** Stored results read. */
  readonly scanned: number;
  /** Older results were left unread (maxScan reached before `limit` matches): older matches may exist. */
  readonly truncated: boolean;
}

export const DEFAULT_RESULT_WINDOW = 256;
export const DEFAULT_MAX_SCAN = 100_000;

/**
 * The most recent final results, newest first, read from SPEAR_RESULTS (the invocation read
 * model, kept for the result TTL) backwards in bounded windows of sequences: the first page
 * costs a window or two however long the stream is. A message that is not a result is skipped.
 */
export async function listResults(nats: Nats, q: ResultQuery): Promise<ResultList> {
  const window = q.window ?? DEFAULT_RESULT_WINDOW;
  const maxScan = q.maxScan ?? DEFAULT_MAX_SCAN;
  const { state } = await nats.jsm.streams.info(streamNames.results);
  const items: InvocationFinished[] = [];
  let scanned = 0;
  let hi = state.last_seq;
  while (hi >= state.first_seq && hi > 0 && items.length < q.limit && scanned < maxScan) {
    const lo = Math.max(state.first_seq, hi - window + 1, 1);
    const batch: Uint8Array[] = [];
    for await (const m of readStream(nats.js, streamNames.results, { fromSeq: lo, toSeq: hi })) batch.push(m.data);
    for (let i = batch.length - 1; i >= 0 && items.length < q.limit; i--) {
      scanned++;
      const r = parse(batch[i]!);
      if (r && (!q.fn || r.function === q.fn) && (!q.status || r.status === q.status)) items.push(r);
    }
    hi = lo - 1;
  }
  return { items, scanned, truncated: items.length < q.limit && hi >= state.first_seq && hi > 0 };
}

function parse(data: Uint8Array): InvocationFinished | undefined {
  try {
    const r = InvocationFinished.safeParse(decodeJson(data));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
