import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { SpearError } from "../domain/errors.js";
import { isOutage } from "./nats-errors.js";

export interface ThroughOutagesOptions {
  readonly log: Logger;
  /** Stops the waiting: the step then rejects with `cancelled`. */
  readonly signal?: AbortSignal;
}

/**
 * Runs one step of a service's start-up again while it fails because a server is away
 * (restarting, unreachable, not answering in time), so a service that was starting when
 * nats-server went down waits for it instead of exiting. Each try must be safe to repeat.
 * One warning per step however many tries it takes; any other failure is thrown at once.
 */
export async function throughOutages<T>(step: string, run: () => Promise<T>, o: ThroughOutagesOptions): Promise<T> {
  let warned = false;
  for (let wait = 250; ; wait = Math.min(wait * 2, 2_000)) {
    if (o.signal?.aborted) throw new SpearError("cancelled", `stopped while waiting to ${step}`);
    try {
      const result = await run();
      if (warned) o.log.info({ step }, "start-up step done after the outage");
      return result;
    } catch (e) {
      if (!isOutage(e)) throw e;
      if (!warned) o.log.warn({ err: e, step }, "a server is away during start-up; trying again");
      warned = true;
    }
    // A stop cuts the wait short (the sleep rejects); the loop then ends with `cancelled`.
    await sleep(wait, undefined, { signal: o.signal }).catch(() => undefined);
  }
}
