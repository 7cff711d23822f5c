import { H } from "../../domain/headers.js";
import type { ReplayRecord } from "../replay.js";

/** Where a record falls in an invocation's attempts: a retry request (rank 0) opens attempt n, its assignment (rank 1) follows. */
interface Place {
  readonly attempt: number;
  readonly rank: 0 | 1;
}

interface Held extends Place {
  readonly record: ReplayRecord;
}

const placeOf = (r: ReplayRecord): Place | undefined => {
  if (r.type === "InvocationRetryRequested") {
    const attempt = Number(r.headers[H.attempt]);
    return Number.isInteger(attempt) && attempt > 1 ? { attempt, rank: 0 } : undefined;
  }
  if (r.type === "InvocationAssigned" && typeof r.data === "object" && r.data !== null) {
    const attempt = (r.data as { attempt?: unknown }).attempt;
    return typeof attempt === "number" && Number.isInteger(attempt) && attempt > 0 ? { attempt, rank: 1 } : undefined;
  }
  return undefined;
};

/**
 * Puts an invocation's retry requests and assignments, read from separate feeds that deliver
 * at their own pace, back in the order they happened: attempt n's assignment after its retry
 * request, and that after attempt n-1's assignment. Each feed is in stream order, so an
 * assignment seen proves every earlier one was seen, and a retry request seen proves the
 * earlier ones were. A retry whose attempt was never assigned (a reservation that expired
 * before its assignment was written) is let go once the next assignment shows up, or at `drain`.
 */
export class AttemptOrder {
  #assignedUpTo = 0;
  #retriedUpTo = 1;
  #held: Held[] = [];

  /** Takes one record; gives back the records that may now be shown, in order. */
  push(record: ReplayRecord): ReplayRecord[] {
    const place = placeOf(record);
    if (!place) return [record];
    if (place.rank === 0) this.#retriedUpTo = Math.max(this.#retriedUpTo, place.attempt);
    else this.#assignedUpTo = Math.max(this.#assignedUpTo, place.attempt);
    this.#held.push({ record, ...place });
    const ready = this.#held.filter((h) => (h.rank === 0 ? this.#assignedUpTo >= h.attempt - 1 : this.#retriedUpTo >= h.attempt));
    if (ready.length === 0) return [];
    this.#held = this.#held.filter((h) => !ready.includes(h));
    return sorted(ready);
  }

  /** Whatever is still held, in attempt order: the final result has come, or the watch ends. */
  drain(): ReplayRecord[] {
    const rest = sorted(this.#held);
    this.#held = [];
    return rest;
  }
}

const sorted = (held: Held[]): ReplayRecord[] => held.sort((a, b) => a.attempt - b.attempt || a.rank - b.rank).map((h) => h.record);

/** One invocation's records as feeds deliver them, in attempt order (`AttemptOrder`); what is held comes out when the feeds end. */
export async function* inAttemptOrder(records: AsyncIterable<ReplayRecord>): AsyncGenerator<ReplayRecord> {
  const order = new AttemptOrder();
  for await (const r of records) yield* order.push(r);
  yield* order.drain();
}
