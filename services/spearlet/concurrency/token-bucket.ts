export interface RateLimit {
  /** Tokens added per second. */
  readonly perSecond: number;
  /** Most tokens the bucket holds: how large a burst passes after a quiet spell. */
  readonly burst: number;
}

/** A token bucket refilled lazily from an injected clock (ms), so no timer runs per function. */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    private rate: RateLimit,
    private readonly now: () => number,
  ) {
    TokenBucket.check(rate);
    this.#tokens = rate.burst;
    this.#last = now();
  }

  get limit(): RateLimit {
    return this.rate;
  }

  /** A new rate keeps the tokens already earned, capped at the new burst. */
  set limit(rate: RateLimit) {
    TokenBucket.check(rate);
    this.refill();
    this.rate = rate;
    this.#tokens = Math.min(this.#tokens, rate.burst);
  }

  tokens(): number {
    this.refill();
    return this.#tokens;
  }

  tryTake(n = 1): boolean {
    this.refill();
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }

  /** How long until `n` tokens are there (0 when they already are). */
  msUntil(n = 1): number {
    this.refill();
    if (this.#tokens >= n) return 0;
    return Math.ceil(((n - this.#tokens) / this.rate.perSecond) * 1000);
  }

  private refill(): void {
    const t = this.now();
    const elapsed = Math.max(0, t - this.#last);
    this.#last = t;
    this.#tokens = Math.min(this.rate.burst, this.#tokens + (elapsed / 1000) * this.rate.perSecond);
  }

  private static check(r: RateLimit): void {
    if (!(r.perSecond > 0) || !(r.burst >= 1)) throw new RangeError(`a rate limit needs perSecond > 0 and burst >= 1, got ${JSON.stringify(r)}`);
  }
}
