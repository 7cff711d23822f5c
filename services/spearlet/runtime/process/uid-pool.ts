import { SpearError } from "../../../../domain/errors.js";

export interface UidRange {
  readonly first: number;
  readonly count: number;
}

/**
 * Hands out one uid per instance from a range no account uses. Picked at random rather than in
 * order, so that several spearlets on one machine (which do not know each other's picks) rarely
 * share one; two instances sharing a uid would still not see each other's folders or processes
 * (each has its own mount and PID namespace), only share the process limit.
 */
export class UidPool {
  readonly #inUse = new Set<number>();

  constructor(private readonly range: UidRange) {}

  take(): number {
    if (this.#inUse.size >= this.range.count) throw new SpearError("instance_start_failed", `all ${this.range.count} instance uids are in use`);
    for (;;) {
      const uid = this.range.first + Math.floor(Math.random() * this.range.count);
      if (this.#inUse.has(uid)) continue;
      this.#inUse.add(uid);
      return uid;
    }
  }

  release(uid: number): void {
    this.#inUse.delete(uid);
  }
}
