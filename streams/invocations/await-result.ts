import { setTimeout as sleep } from "node:timers/promises";
import { SpearError } from "../../domain/errors.js";
import type { InvocationFinished } from "../../domain/events/invocation.js";
import type { Nats } from "../connection.js";
import { getResult } from "./results.js";

export const cancelledWait = (invocationId: string) =>
  new SpearError("cancelled", `waiting for invocation ${invocationId} was cancelled; it goes on, ask for its result later`, { invocationId });

/** How often a wait reads the result stream: soon at first, then at this pace. */
const POLL_FIRST_MS = 25;
const POLL_MAX_MS = 500;

/**
 * Waits for the final result of an invocation this caller holds no reply subject for (it was
 * submitted earlier, or by someone else) by reading it by id, again and again, until it is
 * there. Each read is a direct get whose NATS subject names the invocation
 * (`$JS.API.DIRECT.GET.SPEAR_RESULTS.spear.result.<id>`), the one read of results a client is
 * allowed: subscribing to `spear.result.<id>` would need a permission that covers every
 * invocation's result. Undefined when none came within `waitMs`; `cancelled` when the signal fired.
 */
export async function awaitResult(
  nats: Nats,
  invocationId: string,
  o: { readonly waitMs: number; readonly signal?: AbortSignal | undefined },
): Promise<InvocationFinished | undefined> {
  const deadline = Date.now() + o.waitMs;
  for (let pause = POLL_FIRST_MS; ; pause = Math.min(pause * 2, POLL_MAX_MS)) {
    if (o.signal?.aborted) throw cancelledWait(invocationId);
    const recorded = await getResult(nats.jsm, invocationId);
    if (recorded) return recorded;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(pause, left), undefined, o.signal ? { signal: o.signal } : {}).catch(() => undefined);
  }
}
