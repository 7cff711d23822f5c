import type { z } from "zod";
import type { PageRequest } from "../../domain/api/envelope.js";
import { byCodeUnit } from "../../domain/pool/membership.js";

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
  readonly total: number;
}

/**
 * One page of a list in key order. The cursor is the last key returned, so paging stays
 * stable while items come and go between calls (none is returned twice).
 */
export function paginate<T>(items: Iterable<T>, keyOf: (item: T) => string, req: Pick<z.output<typeof PageRequest>, "limit" | "cursor">): Page<T> {
  const sorted = [...items].sort((a, b) => byCodeUnit(keyOf(a), keyOf(b)));
  const start = req.cursor === undefined ? 0 : firstAfter(sorted, keyOf, req.cursor);
  const slice = sorted.slice(start, start + req.limit);
  const more = start + req.limit < sorted.length;
  return { items: slice, nextCursor: more && slice.length > 0 ? keyOf(slice.at(-1)!) : null, total: sorted.length };
}

/** Pages a list that has its own order (pools in ring order): the cursor is a position. */
export function paginateOrdered<T>(items: readonly T[], req: Pick<z.output<typeof PageRequest>, "limit" | "cursor">): Page<T> {
  const start = req.cursor === undefined ? 0 : Math.max(0, Number.parseInt(req.cursor, 10) || 0);
  const slice = items.slice(start, start + req.limit);
  const end = start + slice.length;
  return { items: slice, nextCursor: end < items.length ? String(end) : null, total: items.length };
}

function firstAfter<T>(sorted: readonly T[], keyOf: (item: T) => string, cursor: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keyOf(sorted[mid]!) <= cursor) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
