import { createInbox, type Subscription } from "@nats-io/transport-node";
import { undecodableHeaders } from "../../support/undecodable-headers.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InvocationFinished } from "../../../domain/events/invocation.js";
import { H } from "../../../domain/headers.js";
import { subjects } from "../../../domain/subjects.js";
import { LeaseStore } from "../../../services/leases/lease-store.js";
import { ResultRecorder } from "../../../services/scheduler/result-recorder.js";
import { persist } from "../../../services/spearlet/agent/persist.js";
import { sendResult } from "../../../services/spearlet/agent/result-sender.js";
import { streamNames } from "../../../streams/catalog.js";
import type { Nats } from "../../../streams/connection.js";
import { encodeRecordRequest } from "../../../streams/invocations/result-record.js";
import { getResult, parseResult } from "../../../streams/invocations/results.js";
import { decodeJson } from "../../../streams/json.js";
import { rejectsWith, sleep } from "../leases/lease-support.js";
import { finishedResult } from "../../support/finished-result.js";
import { metricsText } from "../../../services/metrics/registry.js";
import { parseMetrics, sampleSum } from "../../support/prometheus-text.js";
import { connectTest, eventually, testLog } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

/**
 * The schedulers' result recorder against real servers: a node's result is recorded (and
 * replied) only while that node holds the attempt's live lease, checked in Redis atomically
 * with the reaper's claim; anything else is refused with nothing recorded and nothing replied.
 */
const servers = useServers({ nats: true, redis: true });
let nats: Nats;
let node: Nats;
let leases: LeaseStore;
const recorders: { r: ResultRecorder; nats: Nats }[] = [];
let seq = 0;

async function startRecorder(): Promise<ResultRecorder> {
  const conn = await connectTest(servers.nats.url);
  const r = new ResultRecorder(conn, leases, testLog, () => undefined);
  r.start();
  await conn.nc.flush();
  recorders.push({ r, nats: conn });
  return r;
}

/** A replica killed while it held a request: it is stopped, its connection closed, so it never answers. */
async function killRecorder(r: ResultRecorder): Promise<void> {
  const i = recorders.findIndex((x) => x.r === r);
  const [killed] = recorders.splice(i, 1);
  await killed?.nats.nc.close();
}

beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
  node = await connectTest(servers.nats.url);
  leases = new LeaseStore({ url: servers.redis.url, name: "recorder-test" });
  await leases.ready();
  await leases.rebuild([], { expectEpoch: null });
  await startRecorder();
});

afterAll(async () => {
  for (const { r, nats: conn } of recorders) {
    await r.stop();
    await conn.nc.close();
  }
  await leases?.close();
  await node?.nc.close();
  await nats?.nc.close();
});

/** An invocation with a lease reserved for `nodeId` (committed unless asked otherwise) and an inbox that collects replies. */
async function leased(nodeId: string, o: { ttlMs?: number; commit?: boolean } = {}) {
  const invocationId = `rec-${++seq}`;
  const reserved = await leases.reserve(nodeId, 100, { invocationId, attempt: 1, ttlMs: o.ttlMs ?? 10_000 });
  if (!reserved.ok) throw new Error("no slot");
  if (o.commit !== false) await leases.commit(reserved.lease.token, o.ttlMs ?? 10_000);
  const replyTo = createInbox();
  const replies: InvocationFinished[] = [];
  const sub: Subscription = nats.nc.subscribe(replyTo, { callback: (err, m) => void (err || replies.push(parseResult(m.data))) });
  await nats.nc.flush();
  const result = finishedResult(invocationId, nodeId);
  return { invocationId, token: reserved.lease.token, replyTo, replies, result, done: () => sub.unsubscribe() };
}

/** How many messages the result stream holds for the invocation (0 or 1: one subject per invocation). */
async function storedCount(invocationId: string): Promise<number> {
  const info = await nats.jsm.streams.info(streamNames.results, { subjects_filter: subjects.result(invocationId) });
  return info.state.subjects?.[subjects.result(invocationId)] ?? 0;
}

/** Lets any late reply or record arrive before checking that none did. */
const settle = async () => {
  await nats.nc.flush();
  await sleep(200);
};

describe("result recorder", () => {
  it("records the result of the node's own live lease once and replies once", async () => {
    const c = await leased("rn1");
    const answer = await sendResult(node.nc, "rn1", { leaseToken: c.token, result: c.result, replyTo: c.replyTo });
    expect(answer).toEqual({ recorded: true, status: "succeeded" });
    await eventually(() => (c.replies.length > 0 ? true : undefined), 5_000);
    await settle();
    expect(c.replies).toHaveLength(1);
    expect(c.replies[0]).toMatchObject({ invocationId: c.invocationId, nodeId: "rn1", output: { from: "rn1" } });
    expect(await storedCount(c.invocationId)).toBe(1);
    const stored = await nats.jsm.direct.getMessage(streamNames.results, { last_by_subj: subjects.result(c.invocationId) });
    expect(stored?.header.get(H.eventId)).toBe(`${c.invocationId}.result.a1.rn1`);
    c.done();
  });

  it("counts a result once in the metrics, where it is recorded, however often the node sends it; a refusal counts as refused", async () => {
    const read = async () => parseMetrics(await metricsText());
    const before = await read();
    const c = await leased("rn1");
    await sendResult(node.nc, "rn1", { leaseToken: c.token, result: c.result, replyTo: c.replyTo });
    await sendResult(node.nc, "rn1", { leaseToken: c.token, result: c.result, replyTo: c.replyTo });
    await rejectsWith(sendResult(node.nc, "rn2", { leaseToken: c.token, result: c.result, replyTo: c.replyTo }), "lease_not_held");
    const after = await read();
    const delta = (name: string, labels: Record<string, string>) => (sampleSum(after, name, labels) ?? 0) - (sampleSum(before, name, labels) ?? 0);
    expect(delta("spear_invocations_total", { function: "echo", status: "succeeded" })).toBe(1);
    expect(delta("spear_invocation_duration_seconds", { function: "echo", status: "succeeded" })).toBe(1);
    expect(delta("spear_scheduler_results_total", { outcome: "recorded" })).toBe(2);
    expect(delta("spear_scheduler_results_total", { outcome: "refused" })).toBe(1);
    expect(delta("spear_lease_operations_total", { operation: "hold_for_result", result: "lease_not_held" })).toBe(1);
    c.done();
  });

  it("answers a repeated request with the recorded result, recording nothing more", async () => {
    const c = await leased("rn1");
    await sendResult(node.nc, "rn1", { leaseToken: c.token, result: c.result, replyTo: c.replyTo });
    // The answer was lost (say): the node asks again, with a result built again.
    const again = await sendResult(node.nc, "rn1", { leaseToken: c.token, result: { ...c.result, output: { rebuilt: true } }, replyTo: c.replyTo });
    expect(again).toEqual({ recorded: true, status: "succeeded" });
    await settle();
    expect(await storedCount(c.invocationId)).toBe(1);
    expect((await getResult(nats.jsm, c.invocationId))?.output).toEqual({ from: "rn1" });
    // Every reply is the recorded result.
    expect(c.replies.map((r) => r.output)).toEqual([{ from: "rn1" }, { from: "rn1" }]);
    c.done();
  });

  it("refuses a result for another node's invocation, even one naming that node in its body", async () => {
    const c = await leased("rn1");
    await rejectsWith(sendResult(node.nc, "rn2", { leaseToken: c.token, result: c.result, replyTo: c.replyTo }), "lease_not_held");
    await rejectsWith(sendResult(node.nc, "rn2", { leaseToken: c.token, result: { ...c.result, nodeId: "rn2" }, replyTo: c.replyTo }), "lease_not_held");
    await settle();
    expect(c.replies).toHaveLength(0);
    expect(await storedCount(c.invocationId)).toBe(0);
    c.done();
  });

  it("refuses an unknown lease, a lease of another invocation and another attempt", async () => {
    const c = await leased("rn1");
    const other = await leased("rn1");
    await rejectsWith(sendResult(node.nc, "rn1", { leaseToken: "987654321", result: c.result, replyTo: c.replyTo }), "lease_not_held");
    await rejectsWith(sendResult(node.nc, "rn1", { leaseToken: other.token, result: c.result, replyTo: c.replyTo }), "lease_not_held");
    await rejectsWith(sendResult(node.nc, "rn1", { leaseToken: c.token, result: { ...c.result, attempts: 2 }, replyTo: c.replyTo }), "lease_not_held");
    await rejectsWith(sendResult(node.nc, "rn1", { leaseToken: c.token, result: { ...c.result, invocationId: "rec-unknown" }, replyTo: c.replyTo }), "lease_not_held");
    await settle();
    expect(c.replies).toHaveLength(0);
    expect(await storedCount(c.invocationId)).toBe(0);
    expect(await storedCount("rec-unknown")).toBe(0);
    c.done();
    other.done();
  });

  it("refuses the late result of a node whose lease expired, was fenced off (node lost), claimed by the reaper or released", async () => {
    const expired = await leased("rn3", { ttlMs: 300 });
    const fenced = await leased("rn4");
    const claimed = await leased("rn5", { ttlMs: 300, commit: false });
    const released = await leased("rn1");
    await leases.expireNode("rn4");
    await leases.release(released.token);
    await sleep(400);
    expect((await leases.claimExpired(100, 15_000)).map((l) => l.token)).toContain(claimed.token);
    for (const [nodeId, c] of [["rn3", expired], ["rn4", fenced], ["rn5", claimed], ["rn1", released]] as const) {
      await rejectsWith(sendResult(node.nc, nodeId, { leaseToken: c.token, result: { ...c.result, nodeId }, replyTo: c.replyTo }), "lease_not_held");
    }
    await settle();
    for (const c of [expired, fenced, claimed, released]) {
      expect(c.replies).toHaveLength(0);
      expect(await storedCount(c.invocationId)).toBe(0);
      c.done();
    }
  });

  it("holds a checked lease so the reaper cannot claim it while the result is written", async () => {
    const c = await leased("rn1", { ttlMs: 300 });
    await leases.holdForResult(c.token, "rn1", c.invocationId, 1, 1_500);
    await sleep(500);
    expect((await leases.claimExpired(100, 15_000)).map((l) => l.token)).not.toContain(c.token);
    await sleep(1_200);
    expect((await leases.claimExpired(100, 15_000)).map((l) => l.token)).toContain(c.token);
    c.done();
  });

  it("answers what is not a record request with a typed refusal and keeps serving", async () => {
    const ask = async (subject: string, body: Uint8Array | string) => decodeJson((await node.nc.request(subject, body, { timeout: 3_000 })).data);
    expect(await ask(subjects.record("rn1"), "not json")).toMatchObject({ ok: false, error: { code: "invalid_argument" } });
    expect(await ask(subjects.record("rn1"), JSON.stringify({ leaseToken: "1; DEL x", result: {} }))).toMatchObject({ ok: false, error: { code: "invalid_argument" } });
    expect(await ask(subjects.record("rn1"), JSON.stringify([1, 2]))).toMatchObject({ ok: false, error: { code: "invalid_argument" } });
    const long = { leaseToken: "1", result: { invocationId: "x".repeat(10_000), attempts: 1 } };
    expect(await ask(subjects.record("rn1"), JSON.stringify(long))).toMatchObject({ ok: false, error: { code: "invalid_argument" } });
    // A result of the node's own lease that is not an InvocationFinished is refused when it is encoded.
    const c = await leased("rn1");
    const bad = { leaseToken: c.token, result: { invocationId: c.invocationId, attempts: 1, status: "exploded" } };
    expect(await ask(subjects.record("rn1"), JSON.stringify(bad))).toMatchObject({ ok: false, error: { code: "invalid_event" } });
    expect(await storedCount(c.invocationId)).toBe(0);
    // Headers nats.js cannot decode (a raw client's header name with a space) count as none.
    const answered = await node.nc.request(subjects.record("rn1"), "not json", { timeout: 3_000, headers: undecodableHeaders() });
    expect(decodeJson(answered.data)).toMatchObject({ ok: false, error: { code: "invalid_argument" } });
    // Still serving.
    expect(await sendResult(node.nc, "rn1", { leaseToken: c.token, result: c.result, replyTo: c.replyTo })).toEqual({ recorded: true, status: "succeeded" });
    c.done();
  });

  it("records but sends nothing to a reply subject that is not an inbox", async () => {
    const c = await leased("rn1");
    const seen: string[] = [];
    const sub = nats.nc.subscribe("victim.>", { callback: (_e, m) => void seen.push(m.subject) });
    await nats.nc.flush();
    const answer = await sendResult(node.nc, "rn1", { leaseToken: c.token, result: c.result, replyTo: "victim.subject" });
    expect(answer).toMatchObject({ recorded: true });
    await settle();
    expect(seen).toEqual([]);
    sub.unsubscribe();
    c.done();
  });

  it("sends a result too large for a request as output_too_large, recorded once", async () => {
    const c = await leased("rn1");
    const big = { ...c.result, output: "x".repeat(node.nc.info!.max_payload) };
    const answer = await sendResult(node.nc, "rn1", { leaseToken: c.token, result: big, replyTo: c.replyTo });
    expect(answer).toEqual({ recorded: true, status: "failed", errorCode: "output_too_large" });
    await eventually(() => (c.replies.length > 0 ? true : undefined), 5_000);
    expect(c.replies[0]).toMatchObject({ status: "failed", error: { code: "output_too_large" } });
    expect(await storedCount(c.invocationId)).toBe(1);
    c.done();
  });

  it("a recorder replica killed holding the request: the node asks again and another replica records once", async () => {
    const c = await leased("rn1");
    // The only replica takes the request and dies before recording.
    let taken = 0;
    const doomed = await connectTest(servers.nats.url);
    const sub = doomed.nc.subscribe(subjects.record("*"), { queue: "spear-recorder", callback: () => void taken++ });
    await doomed.nc.flush();
    const live = recorders.splice(0);
    for (const { r, nats: conn } of live) {
      await r.stop();
      await conn.nc.close();
    }
    const sending = persist(() => sendResult(node.nc, "rn1", { leaseToken: c.token, result: c.result, replyTo: c.replyTo }));
    await eventually(() => (taken > 0 ? true : undefined), 5_000);
    sub.unsubscribe();
    await doomed.nc.close();
    // Another replica is up; the node's next try reaches it.
    const next = await startRecorder();
    expect(await sending).toEqual({ recorded: true, status: "succeeded" });
    expect(next.recorded).toBe(1);
    await eventually(() => (c.replies.length > 0 ? true : undefined), 5_000);
    await settle();
    expect(c.replies).toHaveLength(1);
    expect(await storedCount(c.invocationId)).toBe(1);
    c.done();
  }, 20_000);

  it("a replica killed after recording, before answering: the retry gets the recorded result, still one record", async () => {
    const c = await leased("rn1");
    // The first request is recorded by a replica whose answer never arrives (no reply subject stands in for its death).
    node.nc.publish(subjects.record("rn1"), encodeRecordRequest({ leaseToken: c.token, result: c.result, replyTo: c.replyTo }));
    await eventually(async () => ((await storedCount(c.invocationId)) === 1 ? true : undefined), 5_000);
    const doomed = recorders[0]!.r;
    await killRecorder(doomed);
    await startRecorder();
    expect(await persist(() => sendResult(node.nc, "rn1", { leaseToken: c.token, result: c.result, replyTo: c.replyTo }))).toEqual({ recorded: true, status: "succeeded" });
    await settle();
    expect(await storedCount(c.invocationId)).toBe(1);
    // The caller got the recorded result (a second copy from the retry, as after any fault).
    expect(new Set(c.replies.map((r) => JSON.stringify(r)))).toHaveProperty("size", 1);
    c.done();
  }, 20_000);
});
