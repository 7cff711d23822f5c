import { InvocationFinished, type InvocationStatus } from "../../domain/events/invocation.js";
import { streamNames } from "../catalog.js";
import type { Nats } from "../connection.js";
import { decodeJson } from "../json.js";
import { DEFAULT_MAX_SCAN, readBackwards, STOP } from "../read-backwards.js";

export interface ResultQuery {
  readonly fn?: string | undefined;
  readonly status?: InvocationStatus | undefined;
  /** Recorded at or after this time (results are stored in the order they are recorded, so the scan ends there). */
  readonly since?: Date | undefined;
  /** Recorded at or before this time. */
  readonly until?: Date | undefined;
  /** Continue below this stream sequence: the `next` of the page before. */
  readonly before?: number | undefined;
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
  /** Where the next page starts (`before`); null when no older result can match. */
  readonly next: number | null;
}

export const DEFAULT_RESULT_WINDOW = 256;

/**
 * The most recent final results, newest first, read from SPEAR_RESULTS (the invocation read
 * model, kept for the result TTL) backwards in bounded windows of sequences: the first page
 * costs a window or two however long the stream is. A message that is not a result is skipped.
 */
export async function listResults(nats: Nats, q: ResultQuery): Promise<ResultList> {
  const since = q.since?.getTime();
  const until = q.until?.getTime();
  const page = await readBackwards(
    nats,
    streamNames.results,
    { before: q.before, limit: q.limit, maxScan: q.maxScan ?? DEFAULT_MAX_SCAN, window: q.window ?? DEFAULT_RESULT_WINDOW },
    (m) => {
      const stored = m.time.getTime();
      if (since !== undefined && stored < since) return STOP;
      if (until !== undefined && stored > until) return undefined;
      const r = parse(m.data);
      return r && (!q.fn || r.function === q.fn) && (!q.status || r.status === q.status) ? r : undefined;
    },
  );
  return { items: page.items, scanned: page.scanned, truncated: page.items.length < q.limit && page.next !== null, next: page.next };
}

function parse(data: Uint8Array): InvocationFinished | undefined {
  try {
    const r = InvocationFinished.safeParse(decodeJson(data));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
