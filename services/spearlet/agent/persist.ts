import { isOutage } from "../../../streams/nats-errors.js";

/**
 * How long a finished call keeps trying to record its result (and a handed-back one its retry)
 * through an outage (NATS away, no recorder answering, Redis away at the recorder), its lease
 * renewed meanwhile, before leaving the invocation to the lease's expiry: giving up means the
 * call runs again elsewhere.
 */
const PERSIST_MS = 60_000;

/** Tries an operation until it goes through; an outage is waited out for `PERSIST_MS`, anything else fails at once. */
export async function persist<T>(op: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + PERSIST_MS;
  for (let wait = 200; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      return await op();
    } catch (e) {
      if (!isOutage(e) || Date.now() + wait > deadline) throw e;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
