/**
 * A counting semaphore that never waits: a permit is taken now or refused now. The spearlet
 * refuses work it cannot start instead of queueing it, so the waiting queue that semaphore
 * libraries (async-sema, p-limit) are built around is exactly what it must not have.
 */
export class Semaphore {
  #inUse = 0;

  constructor(private limitValue: number) {
    Semaphore.check(limitValue);
  }

  get limit(): number {
    return this.limitValue;
  }

  /** A lower limit refuses new permits until enough are released; permits held stay valid. */
  set limit(value: number) {
    Semaphore.check(value);
    this.limitValue = value;
  }

  get inUse(): number {
    return this.#inUse;
  }

  get available(): number {
    return Math.max(0, this.limitValue - this.#inUse);
  }

  tryAcquire(): boolean {
    if (this.#inUse >= this.limitValue) return false;
    this.#inUse += 1;
    return true;
  }

  release(): void {
    if (this.#inUse === 0) throw new RangeError("semaphore released more often than acquired");
    this.#inUse -= 1;
  }

  private static check(limit: number): void {
    if (!(limit >= 0)) throw new RangeError(`semaphore limit must be a number >= 0, got ${limit}`);
  }
}
