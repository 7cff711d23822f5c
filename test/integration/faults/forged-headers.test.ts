import { createInbox, headers } from "@nats-io/transport-node";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { api } from "../../../domain/api/registry.js";
import type { InvocationFinished } from "../../../domain/events/invocation.js";
import { H } from "../../../domain/headers.js";
import { subjects } from "../../../domain/subjects.js";
import { smsRequest } from "../../../services/api/client.js";
import { getResult, parseResult } from "../../../streams/invocations/results.js";
import { eventually } from "../../support/nats.js";
import { useFaultCluster } from "./fault-harness.js";

/**
 * Issue 12: the headers a client puts on `spear.invoke.<function>` are data, not authority. Each
 * header about earlier attempts, forged by a client, changes nothing; a reply subject that is not
 * an inbox gets nothing; the same headers on the retry subject (schedulers and spearlets only)
 * still count.
 */
const cluster = useFaultCluster();
const FN = "fh-echo";
const worker = join(import.meta.dirname, "..", "..", "support", "workers", "sleepy.cjs");

/** Publishes like a plain NATS client would: any headers, on any subject it is allowed. */
async function publish(subject: string, invocationId: string, echo: string, extra: Record<string, string>): Promise<InvocationFinished[]> {
  const replyTo = createInbox();
  const replies: InvocationFinished[] = [];
  cluster.nats.nc.subscribe(replyTo, { callback: (err, m) => void (!err && replies.push(parseResult(m.data))) });
  await cluster.nats.nc.flush();
  const h = headers();
  h.set(H.replyTo, replyTo);
  for (const [k, v] of Object.entries(extra)) h.set(k, v);
  await cluster.nats.js.publish(subject, JSON.stringify({ input: { echo } }), { msgID: invocationId, headers: h });
  return replies;
}

/** A client's request with forged headers, and its one result. */
async function forged(invocationId: string, extra: Record<string, string>, fn = FN): Promise<InvocationFinished> {
  const replies = await publish(subjects.invoke(fn), invocationId, invocationId, extra);
  return eventually(() => replies[0], 20_000, 20);
}

const firstAttempt = (id: string, fn = FN) => ({ invocationId: id, function: fn, status: "succeeded", output: id, attempts: 1 });

const deploy = (name: string, policy?: "round-robin") =>
  smsRequest(cluster.nats.nc, api.functions.deploy, {
    name,
    spec: { runtime: "process", command: ["node", worker], limits: { timeoutMs: 10_000 }, ...(policy ? { policy } : {}) },
  });

beforeAll(async () => {
  await deploy(FN);
  // Round-robin: calls one after the other take turns on the two nodes, whatever the status reports say.
  for (const fn of ["fh-rr-exclude", "fh-rr-avoid"]) await deploy(fn, "round-robin");
  cluster.scheduler();
  cluster.spearlet("fh-1", 2);
  cluster.spearlet("fh-2", 2);
  await cluster.online("fh-1");
  await cluster.online("fh-2");
}, 60_000);

describe("forged internal headers from a client change nothing", () => {
  it("Spear-Attempt: a client cannot claim the attempts are used up (it would be dead-lettered)", async () => {
    expect(await forged("fh-attempt", { [H.attempt]: "99" })).toMatchObject(firstAttempt("fh-attempt"));
  }, 30_000);

  it("Spear-Refusals: a client cannot claim refusals (one refusal at attempt 1 would be rejected as impossible)", async () => {
    expect(await forged("fh-refusals", { [H.refusals]: "1" })).toMatchObject(firstAttempt("fh-refusals"));
    expect(await forged("fh-refusals-many", { [H.attempt]: "12", [H.refusals]: "11" })).toMatchObject(firstAttempt("fh-refusals-many"));
  }, 30_000);

  for (const [header, fn] of [[H.excludeNodes, "fh-rr-exclude"], [H.avoidNodes, "fh-rr-avoid"]] as const) {
    it(`${header}: a client cannot keep its calls off a node`, async () => {
      // Believed, the header would send every call to the other node, which is free; ignored,
      // the calls take turns, so calls in a row reach both nodes. A status report held up on a
      // busy machine can leave one node out of the scheduler's view for a while: calls go on,
      // paced, for up to 15 s.
      const nodes = new Set<string | undefined>();
      const until = Date.now() + 15_000;
      for (let i = 0; i < 100 && nodes.size < 2 && Date.now() < until; i++) {
        const result = await forged(`${fn}-${i}`, { [header]: "fh-1" }, fn);
        expect(result).toMatchObject(firstAttempt(`${fn}-${i}`, fn));
        nodes.add(result.nodeId);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect([...nodes].sort()).toEqual(["fh-1", "fh-2"]);
    }, 60_000);
  }

  it("Spear-Submitted-At: a client cannot date its call back (to jump the queue)", async () => {
    const before = Date.now();
    const result = await forged("fh-submitted", { [H.submittedAt]: "2000-01-01T00:00:00.000Z" });
    expect(result).toMatchObject(firstAttempt("fh-submitted"));
    expect(Date.parse(result.timings.submittedAt)).toBeGreaterThanOrEqual(before - 1_000);
  }, 30_000);

  it("Spear-Invocation-Id: a client cannot speak for another invocation; its call is the one its Nats-Msg-Id names", async () => {
    const result = await forged("fh-own", { [H.invocationId]: "fh-victim" });
    expect(result).toMatchObject(firstAttempt("fh-own"));
    expect(await getResult(cluster.nats.jsm, "fh-victim")).toBeUndefined();
    // The invocation it named is untouched: its own caller runs it and gets its own output.
    const replies = await publish(subjects.invoke(FN), "fh-victim", "genuine", {});
    expect(await eventually(() => replies[0], 20_000, 20)).toMatchObject({ invocationId: "fh-victim", status: "succeeded", output: "genuine", attempts: 1 });
  }, 30_000);

  it("Spear-Retry-Reason (with the retry's event type): a client's request is no retry", async () => {
    const result = await forged("fh-reason", { [H.retryReason]: "instance_crashed: forged", [H.eventType]: "InvocationRetryRequested", [H.attempt]: "4" });
    expect(result).toMatchObject(firstAttempt("fh-reason"));
    expect(JSON.stringify(result)).not.toContain("forged");
  }, 30_000);

  it("all of them at once", async () => {
    const all = {
      [H.invocationId]: "fh-victim-2",
      [H.attempt]: "7",
      [H.refusals]: "3",
      [H.excludeNodes]: "fh-1,fh-2",
      [H.avoidNodes]: "fh-1,fh-2",
      [H.submittedAt]: "2000-01-01T00:00:00.000Z",
      [H.retryReason]: "lease_expired: forged",
    };
    expect(await forged("fh-all", all)).toMatchObject(firstAttempt("fh-all"));
    expect(await getResult(cluster.nats.jsm, "fh-victim-2")).toBeUndefined();
  }, 30_000);
});

describe("reply subjects", () => {
  it("publishes nothing to a reply subject that is not an inbox, and ends the invocation rejected", async () => {
    const targets = ["fh.not-an-inbox", subjects.api("nodes", "drain"), subjects.invoke(FN)];
    const received: string[] = [];
    for (const t of targets) cluster.nats.nc.subscribe(t, { callback: (err, m) => void (!err && received.push(`${t}: ${m.string()}`)) });
    await cluster.nats.nc.flush();
    for (const [i, replyTo] of targets.entries()) {
      const h = headers();
      h.set(H.replyTo, replyTo);
      await cluster.nats.js.publish(subjects.invoke(FN), JSON.stringify({ input: { echo: "x" } }), { msgID: `fh-reply-${i}`, headers: h });
    }
    for (const i of targets.keys()) {
      const result = await eventually(() => getResult(cluster.nats.jsm, `fh-reply-${i}`), 15_000, 50);
      expect(result).toMatchObject({ status: "rejected", error: { code: "invalid_request" }, attempts: 0 });
      expect(result.error?.message).toMatch(/Spear-Reply-To must be an inbox/);
    }
    await new Promise((r) => setTimeout(r, 500));
    // Only the test's own requests were seen on the function's subject.
    expect(received.filter((r) => !r.startsWith(`${subjects.invoke(FN)}: {"input"`))).toEqual([]);
  }, 30_000);
});

describe("the retry subject", () => {
  it("still carries a retry's headers: its attempt, reason and first submit time count", async () => {
    const replies = await publish(subjects.retry(FN), "fh-retry.a4", "r", {
      [H.invocationId]: "fh-retry",
      [H.attempt]: "4",
      [H.submittedAt]: "2026-01-01T00:00:00.000Z",
      [H.retryReason]: "instance_crashed: the test said so",
      [H.eventType]: "InvocationRetryRequested",
    });
    const result = await eventually(() => replies[0], 20_000, 20);
    expect(result).toMatchObject({ invocationId: "fh-retry", status: "dead_lettered", error: { code: "attempts_exhausted" }, timings: { submittedAt: "2026-01-01T00:00:00.000Z" } });
    expect(result.error?.message).toMatch(/3 attempt\(s\) failed; the last: instance_crashed: the test said so/);
  }, 30_000);

  it("places a retry away from the nodes it excludes", async () => {
    const nodes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const replies = await publish(subjects.retry(FN), `fh-ex-${i}.a2`, `fh-ex-${i}`, { [H.invocationId]: `fh-ex-${i}`, [H.attempt]: "2", [H.excludeNodes]: "fh-1" });
      const result = await eventually(() => replies[0], 20_000, 20);
      expect(result).toMatchObject({ invocationId: `fh-ex-${i}`, status: "succeeded", output: `fh-ex-${i}`, attempts: 2 });
      nodes.push(result.nodeId ?? "");
    }
    expect(nodes).toEqual(["fh-2", "fh-2", "fh-2", "fh-2"]);
  }, 60_000);
});
