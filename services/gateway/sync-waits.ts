import { SpearError } from "../../domain/errors.js";

/**
 * A cap on synchronous invokes waiting at once for their result: each holds a connection and a
 * NATS subscription for up to its waitMs, so without a cap a burst of slow calls holds the
 * gateway. Past the cap a call is refused at once with 503 `too_many_waits` (and
 * `Retry-After`), before anything is submitted; asynchronous invokes are not counted.
 */
export class SyncWaits {
  #held = 0;

  constructor(private readonly max: number) {}

  /** Places taken now. */
  get held(): number {
    return this.#held;
  }

  /** Takes a place, or throws `too_many_waits`; the returned function gives it back (once). */
  take(): () => void {
    if (this.#held >= this.max) {
      throw new SpearError("too_many_waits", `the gateway already holds ${this.max} synchronous invoke waits (--max-sync-waits); retry shortly, or invoke with ?async=true and poll the Location`, {
        maxSyncWaits: this.max,
      });
    }
    this.#held++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.#held--;
    };
  }
}
