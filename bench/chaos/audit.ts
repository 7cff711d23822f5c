import { existsSync, readFileSync } from "node:fs";
import { LatencyHistogram } from "../support/histogram.js";
import { RESULTS_STREAM, type ChaosClient, type Submission } from "./load-client.js";

/** The fields of a recorded result (an `InvocationFinished`, docs/api.md) the audit reads. */
interface RecordedResult {
  readonly status: string;
  readonly error?: { readonly code: string };
  readonly nodeId?: string;
  readonly attempts: number;
  readonly timings: { readonly finishedAt: string; readonly queueMs?: number; readonly runMs?: number };
}

/** Up to this many ids of each kind of anomaly are kept as evidence. */
const EVIDENCE = 20;

export interface Audit {
  readonly submitted: number;
  readonly acknowledged: number;
  /** Never acknowledged: every publish failed or timed out. */
  readonly abandoned: number;
  /** Not acknowledged, yet stored: a result is recorded for it. */
  readonly storedWithoutAck: number;
  /** Publishes after a call's first one. */
  readonly resubmits: number;
  /** Of those, answered by the server as duplicates of an earlier publish. */
  readonly duplicateAcks: number;
  readonly recorded: number;
  /** Acknowledged, but no recorded result at the end. */
  readonly lost: readonly string[];
  /** More than one message on the result subject. */
  readonly doubleRecords: readonly string[];
  /** Two replies with different bodies. */
  readonly doubleReplies: readonly string[];
  /** Calls that got the same reply more than once. */
  readonly repeatedReplies: number;
  /** Calls with a recorded result but no reply. */
  readonly withoutReply: number;
  readonly strayReplies: number;
  /** `status` or `status:code` → calls; `no result` for none. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly succeeded: number;
  /** Executions per call of the process function, from its log: "0", "1", "2", "3+". */
  readonly executions: Readonly<Record<"0" | "1" | "2" | "3+", number>>;
  /** Executions logged for ids no call of the process function had. */
  readonly strayExecutions: number;
  readonly resultMessages: number;
  /** From the first publish to the first reply, or to the result's finishedAt when no reply came. */
  readonly latency: LatencyHistogram;
  readonly latencyByFunction: ReadonlyMap<string, LatencyHistogram>;
  /** Ids of each anomaly, the first few. */
  readonly evidence: Readonly<Record<string, readonly string[]>>;
}

/** Runs `work` over `items` with at most `width` at once. */
async function windowed<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

/**
 * How many messages each result subject holds: the whole result stream, read once with an
 * ordered consumer up to the last sequence it had when the read began. Bounded: a read that
 * makes no progress for 15 s fails.
 */
async function resultMessagesBySubject(client: ChaosClient): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const info = await client.jsm.streams.info(RESULTS_STREAM);
  const last = info.state.last_seq;
  if (info.state.messages === 0) return counts;
  const consumer = await client.js.consumers.get(RESULTS_STREAM);
  const messages = await consumer.consume({ max_messages: 1024 });
  let seq = 0;
  let progressAt = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - progressAt > 15_000) messages.stop();
  }, 1_000);
  try {
    for await (const m of messages) {
      progressAt = Date.now();
      seq = m.seq;
      counts.set(m.subject, (counts.get(m.subject) ?? 0) + 1);
      if (m.seq >= last) break;
    }
  } finally {
    clearInterval(watchdog);
    messages.stop();
  }
  if (seq < last) throw new Error(`reading ${RESULTS_STREAM} stalled at sequence ${seq} of ${last}`);
  return counts;
}

function executionsById(file: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(file)) return counts;
  for (const id of readFileSync(file, "utf8").split("\n")) if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/**
 * Audits every call by its id once the load is over: its recorded result (a direct get of the
 * last message on its result subject), how many messages that subject holds, the replies it
 * got, and, for the process function, how many times it ran.
 */
export async function auditCalls(client: ChaosClient, o: { executionLog: string; processFunction: string }): Promise<Audit> {
  const subs = client.submissions;
  const recorded = await windowed(subs, 32, async (s) => {
    const data = await client.recordedResult(s.id);
    return data ? (JSON.parse(new TextDecoder().decode(data)) as RecordedResult) : undefined;
  });
  const perSubject = await resultMessagesBySubject(client);
  const executions = executionsById(o.executionLog);

  const statuses: Record<string, number> = {};
  const evidence: Record<string, string[]> = { lost: [], doubleRecords: [], doubleReplies: [], repeatedReplies: [], executedTwiceOrMore: [], neverExecuted: [], abandoned: [], slowest: [] };
  const slow: { ms: number; text: string }[] = [];
  const note = (kind: string, id: string) => {
    if (evidence[kind]!.length < EVIDENCE) evidence[kind]!.push(id);
  };
  const lost: string[] = [];
  const doubleRecords: string[] = [];
  const doubleReplies: string[] = [];
  const runs = { "0": 0, "1": 0, "2": 0, "3+": 0 };
  const latency = new LatencyHistogram();
  const latencyByFunction = new Map<string, LatencyHistogram>();
  let acknowledged = 0;
  let abandoned = 0;
  let storedWithoutAck = 0;
  let resubmits = 0;
  let duplicateAcks = 0;
  let repeatedReplies = 0;
  let withoutReply = 0;
  let succeeded = 0;

  subs.forEach((s: Submission, i) => {
    const r = recorded[i];
    if (s.acked) acknowledged++;
    else if (r) storedWithoutAck++;
    if (s.abandoned) {
      abandoned++;
      note("abandoned", s.id);
    }
    resubmits += s.publishes - 1;
    duplicateAcks += s.duplicateAcks;
    if (s.acked && !r) {
      lost.push(s.id);
      note("lost", s.id);
    }
    if ((perSubject.get(`spear.result.${s.id}`) ?? 0) > 1) {
      doubleRecords.push(s.id);
      note("doubleRecords", s.id);
    }
    if (s.differentReplies > 0) {
      doubleReplies.push(s.id);
      note("doubleReplies", s.id);
    }
    if (s.repeatedReplies > 0) {
      repeatedReplies++;
      note("repeatedReplies", s.id);
    }
    const status = r ? (r.error ? `${r.status}:${r.error.code}` : r.status) : "no result";
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (r?.status === "succeeded") succeeded++;
    if (r) {
      if (s.firstReplyAt === undefined) withoutReply++;
      const end = s.firstReplyAt ?? Date.parse(r.timings.finishedAt);
      const ms = Math.max(0, end - s.firstPublishAt);
      latency.recordMs(ms);
      slow.push({ ms, text: `${s.id} ${ms} ms: ${r.attempts} attempt(s), last on ${r.nodeId ?? "-"}, queued ${r.timings.queueMs ?? "-"} ms, ran ${r.timings.runMs ?? "-"} ms` });
      if (!latencyByFunction.has(s.fn)) latencyByFunction.set(s.fn, new LatencyHistogram());
      latencyByFunction.get(s.fn)!.recordMs(ms);
    }
    if (s.fn === o.processFunction) {
      const n = executions.get(s.id) ?? 0;
      runs[n >= 3 ? "3+" : (String(n) as "0" | "1" | "2")]++;
      if (n >= 2) note("executedTwiceOrMore", s.id);
      if (n === 0 && r?.status === "succeeded") note("neverExecuted", s.id);
    }
  });
  evidence.slowest = slow
    .sort((a, b) => b.ms - a.ms)
    .slice(0, EVIDENCE)
    .map((x) => x.text);
  const processIds = new Set(subs.filter((s) => s.fn === o.processFunction).map((s) => s.id));
  let strayExecutions = 0;
  for (const [id, n] of executions) if (!processIds.has(id)) strayExecutions += n;

  return {
    submitted: subs.length,
    acknowledged,
    abandoned,
    storedWithoutAck,
    resubmits,
    duplicateAcks,
    recorded: recorded.filter(Boolean).length,
    lost,
    doubleRecords,
    doubleReplies,
    repeatedReplies,
    withoutReply,
    strayReplies: client.strayReplies,
    statuses,
    succeeded,
    executions: runs,
    strayExecutions,
    resultMessages: [...perSubject.values()].reduce((a, b) => a + b, 0),
    latency,
    latencyByFunction,
    evidence,
  };
}
