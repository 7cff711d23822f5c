/** What orders waiting requests: higher priority first, then first submitted, then stream order. */
export interface QueueKey {
  readonly priority: number;
  readonly submittedAt: string;
  readonly seq: number;
}

const before = (a: QueueKey, b: QueueKey): boolean =>
  a.priority !== b.priority ? a.priority > b.priority : a.submittedAt !== b.submittedAt ? a.submittedAt < b.submittedAt : a.seq < b.seq;

/**
 * Requests waiting for capacity, kept in the order they get it: priorities first, first come
 * first served within a priority. Bounded by the caller (a few thousand at most), so a sorted
 * array with binary insertion is enough.
 */
export class WaitQueue<T extends QueueKey> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  add(item: T): void {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.items[mid]!, item)) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, item);
  }

  remove(item: T): boolean {
    const i = this.items.indexOf(item);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }

  /** The first `n` in order, a copy. */
  head(n: number): readonly T[] {
    return this.items.slice(0, n);
  }

  /** A copy in order, safe to iterate while items are removed. */
  ordered(): readonly T[] {
    return [...this.items];
  }
}
