import type { JetStreamManager } from "@nats-io/jetstream";
import { SpearError } from "../domain/errors.js";
import { H } from "../domain/headers.js";
import { subjects } from "../domain/subjects.js";
import { streamNames } from "./catalog.js";
import { decodeRecorded, rawOf, type RawStoredMessage } from "./codec.js";
import type { Nats } from "./connection.js";
import { decodeJson, decodeText } from "./json.js";
import { inAttemptOrder } from "./invocations/attempt-order.js";
import { isStreamNotFound } from "./nats-errors.js";
import { readStream } from "./reader.js";

export interface ReplayQuery {
  readonly stream?: string;
  readonly subject?: string;
  readonly since?: Date;
  readonly fromSeq?: number;
  readonly toSeq?: number;
  readonly types?: readonly string[];
  readonly node?: string;
  readonly fn?: string;
  readonly invocation?: string;
  readonly follow?: boolean;
  readonly signal?: AbortSignal;
  /** How many stored messages will be read (before filtering), summed over the streams. */
  readonly onPending?: (pending: number) => void;
  /** Called for every stored message read, matched or not (drives a progress bar). */
  readonly onRead?: () => void;
}

/** One line of `spear replay --json`. */
export interface ReplayRecord {
  readonly stream: string;
  readonly seq: number;
  readonly subject: string;
  readonly time: string;
  readonly type: string | null;
  readonly aggregate: { readonly type: string; readonly id: string } | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly data: unknown;
  /** Set when the message could not be decoded as a Spear event; `data` is then the raw body. */
  readonly error?: { readonly code: string; readonly message: string };
}

interface Source {
  readonly stream: string;
  readonly filter?: string;
}

/** Which streams a query reads: the one named, the one covering the subject, or those of an invocation's story. */
export async function resolveSources(jsm: JetStreamManager, q: ReplayQuery): Promise<Source[]> {
  if (q.stream) {
    try {
      await jsm.streams.info(q.stream);
    } catch (e) {
      if (!isStreamNotFound(e)) throw e;
      throw new SpearError("unknown_stream", `no stream named '${q.stream}' (Spear's are ${Object.values(streamNames).join(", ")})`);
    }
    return [{ stream: q.stream, ...(q.subject ? { filter: q.subject } : {}) }];
  }
  if (q.subject) {
    let stream: string;
    try {
      stream = await jsm.streams.find(q.subject);
    } catch {
      throw new SpearError("unknown_stream", `no single stream covers subject '${q.subject}'; name one with --stream`);
    }
    return [{ stream, filter: q.subject }];
  }
  if (q.invocation) {
    return [
      { stream: streamNames.invoke },
      { stream: streamNames.assign },
      { stream: streamNames.results, filter: subjects.result(q.invocation) },
      { stream: streamNames.dlq, filter: "spear.dlq.invocation.>" },
      // what was decided about the invocation afterwards (a redrive), on its own subject
      { stream: streamNames.events, filter: subjects.event("invocation", q.invocation) },
    ];
  }
  return [{ stream: streamNames.events }];
}

export async function* replay(nats: Nats, q: ReplayQuery): AsyncGenerator<ReplayRecord> {
  const sources = await resolveSources(nats.jsm, q);
  if (sources.length === 1) {
    yield* readSource(nats, sources[0]!, q, q.onPending);
    return;
  }
  let pending = 0;
  let reported = 0;
  const count = (n: number) => {
    pending += n;
    if (++reported === sources.length) q.onPending?.(pending);
  };
  if (q.follow) {
    const live = merge(sources.map((s) => readSource(nats, s, q, count)));
    // An invocation's streams deliver at their own pace: its retries and assignments are put back in attempt order.
    yield* q.invocation ? inAttemptOrder(live) : live;
    return;
  }
  const all: ReplayRecord[] = [];
  for (const s of sources) for await (const r of readSource(nats, s, q, count)) all.push(r);
  all.sort((a, b) => a.time.localeCompare(b.time) || a.seq - b.seq);
  yield* all;
}

async function* readSource(nats: Nats, source: Source, q: ReplayQuery, onPending?: (n: number) => void): AsyncGenerator<ReplayRecord> {
  const feed = readStream(nats.js, source.stream, {
    ...(source.filter ? { filter: source.filter } : {}),
    ...(q.fromSeq ? { fromSeq: q.fromSeq } : {}),
    ...(q.since ? { startTime: q.since } : {}),
    ...(q.toSeq ? { toSeq: q.toSeq } : {}),
    ...(q.follow ? { follow: true } : {}),
    ...(q.signal ? { signal: q.signal } : {}),
    ...(onPending ? { onPending } : {}),
  });
  for await (const m of feed) {
    q.onRead?.();
    const record = toRecord(rawOf(m), source.stream);
    if (matches(record, q)) yield record;
  }
}

export function toRecord(raw: RawStoredMessage, stream: string): ReplayRecord {
  const headers: Record<string, string> = {};
  for (const [k, v] of raw.headers ?? []) headers[k] = v.join(",");
  const base = { stream, seq: raw.seq, subject: raw.subject, time: raw.time, headers };
  try {
    const e = decodeRecorded(raw, stream);
    return { ...base, type: e.type, aggregate: { type: e.meta.aggregateType, id: e.meta.aggregateId }, data: e.data };
  } catch (err) {
    const error = err instanceof SpearError ? { code: err.code, message: err.message } : { code: "internal", message: String(err) };
    let data: unknown;
    try {
      data = decodeJson(raw.data);
    } catch {
      data = decodeText(raw.data);
    }
    const aggregateType = headers[H.aggregateType];
    const aggregateId = headers[H.aggregateId];
    return {
      ...base,
      type: headers[H.eventType] ?? null,
      aggregate: aggregateType && aggregateId ? { type: aggregateType, id: aggregateId } : null,
      data,
      error,
    };
  }
}

const field = (data: unknown, key: string): unknown =>
  typeof data === "object" && data !== null ? (data as Record<string, unknown>)[key] : undefined;

function matches(r: ReplayRecord, q: ReplayQuery): boolean {
  if (q.types?.length && (r.type === null || !q.types.includes(r.type))) return false;
  if (q.node) {
    const byAggregate = r.aggregate?.type === "node" && r.aggregate.id === q.node;
    if (!byAggregate && field(r.data, "nodeId") !== q.node) return false;
  }
  if (q.fn) {
    const byAggregate = r.aggregate?.type === "function" && r.aggregate.id === q.fn;
    const bySubject = r.subject === subjects.invoke(q.fn) || r.subject === subjects.retry(q.fn);
    if (!byAggregate && !bySubject && field(r.data, "function") !== q.fn) return false;
  }
  if (q.invocation) {
    const byAggregate = r.aggregate?.type === "invocation" && r.aggregate.id === q.invocation;
    if (!byAggregate && field(r.data, "invocationId") !== q.invocation) return false;
  }
  return true;
}

/** Interleaves live feeds in arrival order. */
export async function* merge<T>(feeds: AsyncGenerator<T>[]): AsyncGenerator<T> {
  const next = (i: number) => feeds[i]!.next().then((r) => ({ i, r }));
  const inFlight = new Map(feeds.map((_, i) => [i, next(i)]));
  while (inFlight.size > 0) {
    const { i, r } = await Promise.race(inFlight.values());
    if (r.done) {
      inFlight.delete(i);
      continue;
    }
    inFlight.set(i, next(i));
    yield r.value;
  }
}
