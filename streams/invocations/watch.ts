import { SpearError } from "../../domain/errors.js";
import { readInvokeSubject } from "../../domain/invoke-subject.js";
import { subjects } from "../../domain/subjects.js";
import { streamNames } from "../catalog.js";
import type { Nats } from "../connection.js";
import { lastMatchingSeq } from "../reader.js";
import { merge, replay, resolveSources, type ReplayRecord } from "../replay.js";
import { AttemptOrder } from "./attempt-order.js";
import { cancelledWait } from "./await-result.js";

export interface WatchInvocationOptions {
  /** Stops the watch with `cancelled`; the invocation goes on. */
  readonly signal?: AbortSignal | undefined;
  /** Gives up with `timeout` when the final result has not come by then. */
  readonly waitMs?: number | undefined;
  /**
   * The invocation was submitted after this time: narrows the read of the request stream,
   * which is otherwise read over its whole max age to find the invocation's first events.
   */
  readonly since?: Date | undefined;
}

export const isFinalRecord = (r: ReplayRecord): boolean => r.stream === streamNames.results && r.type === "InvocationFinished";

/**
 * The events of one invocation (requested, assigned, retried, dead-lettered, finished) as
 * `spear replay --invocation` shows them, then live, ending with the final result. Each
 * stream's position is taken before the history is read and the live read starts after it, so
 * nothing falls in between; when the result arrives, what the other streams hold before it is
 * read to the end first, so the result is always the last event. The live feeds deliver at their
 * own pace, so retries and assignments are put back in attempt order (`AttemptOrder`).
 */
export async function* watchInvocation(nats: Nats, invocationId: string, o: WatchInvocationOptions = {}): AsyncGenerator<ReplayRecord> {
  if (o.signal?.aborted) throw cancelledWait(invocationId);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  let timedOut = false;
  const timer =
    o.waitMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          stop.abort();
        }, o.waitMs);
  const seen = new Set<string>();
  const fresh = (r: ReplayRecord) => {
    const key = `${r.stream}#${r.seq}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const query = { invocation: invocationId, signal: stop.signal, ...(o.since ? { since: o.since } : {}) };
  try {
    const sources = await resolveSources(nats.jsm, query);
    const positions = await Promise.all(sources.map((s) => lastMatchingSeq(nats.jsm, s.stream, s.filter)));
    // Once the request is known, its function narrows what is read of the shared streams (its
    // requests and retries are on two subjects that no one filter covers: one feed each).
    let fn: string | undefined;
    const narrowed = (s: { stream: string; filter?: string }): (string | undefined)[] => {
      if (fn && s.stream === streamNames.invoke) return [subjects.invoke(fn), subjects.retry(fn)];
      if (fn && s.stream === streamNames.dlq) return [subjects.dlq("invocation", fn)];
      return [s.filter];
    };
    const after = (follow: boolean) =>
      sources.flatMap((s, i) =>
        narrowed(s).map((subject) => replay(nats, { ...query, stream: s.stream, ...(subject ? { subject } : {}), fromSeq: positions[i]!.seq + 1, follow })),
      );

    const order = new AttemptOrder();
    let final: ReplayRecord | undefined;
    for await (const r of replay(nats, query)) {
      if (!fresh(r)) continue;
      if (r.stream === streamNames.invoke) fn ??= readInvokeSubject(r.subject)?.named;
      if (isFinalRecord(r)) final = r;
      else yield* order.push(r);
    }
    if (!final) {
      for await (const r of merge(after(true))) {
        if (!fresh(r)) continue;
        if (isFinalRecord(r)) {
          final = r;
          break;
        }
        yield* order.push(r);
      }
    }
    if (!final) {
      yield* order.drain();
      throw timedOut ? new SpearError("timeout", `invocation ${invocationId} has no result after ${o.waitMs} ms; it goes on`, { invocationId }) : cancelledWait(invocationId);
    }
    const rest: ReplayRecord[] = [];
    for (const feed of after(false)) for await (const r of feed) if (fresh(r) && !isFinalRecord(r)) rest.push(r);
    for (const r of rest.sort((a, b) => a.time.localeCompare(b.time) || a.seq - b.seq)) yield* order.push(r);
    yield* order.drain();
    yield final;
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener("abort", onAbort);
    stop.abort();
  }
}
