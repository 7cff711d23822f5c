import { isOutage } from "../../../streams/nats-errors.js";
import { RESULT_PERSIST_MS } from "../../leases/lease.js";

/**
 * Tries an operation until it goes through: an outage (NATS away, no recorder answering, Redis
 * away at the recorder) is waited out for `RESULT_PERSIST_MS`, the call's lease renewed meanwhile;
 * anything else fails at once. Giving up leaves the invocation to its lease's expiry: it runs
 * again elsewhere.
 */
export async function persist<T>(op: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + RESULT_PERSIST_MS;
  for (let wait = 200; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      return await op();
    } catch (e) {
      if (!isOutage(e) || Date.now() + wait > deadline) throw e;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
