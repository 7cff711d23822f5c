import { SpearError } from "../../domain/errors.js";
import type { InvocationFinished } from "../../domain/events/invocation.js";
import { subjects } from "../../domain/subjects.js";
import type { Nats } from "../connection.js";
import { getResult, parseResult } from "./results.js";

export const cancelledWait = (invocationId: string) =>
  new SpearError("cancelled", `waiting for invocation ${invocationId} was cancelled; it goes on, ask for its result later`, { invocationId });

/**
 * Waits for the final result of an invocation this caller holds no reply subject for (it was
 * submitted earlier, or by someone else): the core subscription on the result subject is in
 * place before the result stream is read, so a result recorded in between is not missed.
 * Undefined when none came within `waitMs`; `cancelled` when the signal fired.
 */
export async function awaitResult(
  nats: Nats,
  invocationId: string,
  o: { readonly waitMs: number; readonly signal?: AbortSignal | undefined },
): Promise<InvocationFinished | undefined> {
  if (o.signal?.aborted) throw cancelledWait(invocationId);
  const sub = nats.nc.subscribe(subjects.result(invocationId), { max: 1, timeout: o.waitMs });
  const onAbort = () => sub.unsubscribe();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const recorded = await getResult(nats.jsm, invocationId);
    if (recorded) return recorded;
    try {
      for await (const m of sub) return parseResult(m.data);
    } catch {
      // The subscription's timeout (or a body that is not a result): the stream decides below.
    }
    if (o.signal?.aborted) throw cancelledWait(invocationId);
    return await getResult(nats.jsm, invocationId);
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
    sub.unsubscribe();
  }
}
