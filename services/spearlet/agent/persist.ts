import { setTimeout as sleep } from "node:timers/promises";
import { isOutage } from "../../../streams/nats-errors.js";
import type { Reconnects } from "../../../streams/reconnects.js";
import { RESULT_PERSIST_MS } from "../../leases/lease.js";

/** Why a try was left behind: the connection came back while it was under way. */
const RECONNECTED = Symbol("reconnected");

/**
 * Tries an operation until it goes through: an outage (NATS away, no recorder answering, Redis
 * away at the recorder) is waited out for `RESULT_PERSIST_MS`, the call's lease renewed meanwhile;
 * anything else fails at once. Giving up leaves the invocation to its lease's expiry: it runs
 * again elsewhere. Every operation given here is idempotent, so when NATS reconnects while a try
 * is under way (its request was lost with the old connection) or waits out its backoff, the
 * next try begins at once.
 */
export async function persist<T>(op: () => Promise<T>, reconnects?: Pick<Reconnects, "once">): Promise<T> {
  const deadline = Date.now() + RESULT_PERSIST_MS;
  for (let wait = 200; ; wait = Math.min(wait * 2, 2_000)) {
    let cancel: () => void = () => undefined;
    const back = new Promise<typeof RECONNECTED>((resolve) => {
      if (reconnects) cancel = reconnects.once(() => resolve(RECONNECTED));
    });
    try {
      const attempt = op();
      let r: T | typeof RECONNECTED;
      try {
        r = await Promise.race([attempt, back]);
      } catch (e) {
        if (!isOutage(e) || Date.now() + wait > deadline) throw e;
        // Only a try that failed waits: the first try of every call makes no timer.
        const nap = new AbortController();
        await Promise.race([sleep(wait, undefined, { signal: nap.signal }).catch(() => undefined), back]);
        nap.abort();
        continue;
      }
      if (r !== RECONNECTED) return r;
      // The try left behind may still settle; what it says no longer matters.
      attempt.catch(() => undefined);
      if (Date.now() > deadline) return await attempt;
    } finally {
      cancel();
    }
  }
}
