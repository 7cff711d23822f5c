import { createInbox, headers } from "@nats-io/transport-node";
import { undecodableHeaders } from "../../support/undecodable-headers.js";
import { describe, expect, it } from "vitest";
import { H } from "../../../domain/headers.js";
import { subjects } from "../../../domain/subjects.js";
import { streamNames } from "../../../streams/catalog.js";
import { loadRequest } from "../../../streams/invocations/load-request.js";
import { getResult, parseResult } from "../../../streams/invocations/results.js";
import { submitInvocation } from "../../../streams/invocations/submit.js";
import { readStream } from "../../../streams/reader.js";
import { eventually } from "../../support/nats.js";
import { useCluster } from "../../support/cluster.js";

const cluster = useCluster({ queueTimeout: 3_000 });

describe("scheduler: placement", () => {
  it("places a call on a node; the result reaches the reply subject and the result stream", async () => {
    await cluster.deploy("p-echo");
    await cluster.spearlet("p1", 2);
    const r = await cluster.invoke("p-echo", { input: { hello: "world" } }, "p-inv-1");
    expect(r).toMatchObject({ invocationId: "p-inv-1", status: "succeeded", nodeId: "p1", attempts: 1, output: { echo: { hello: "world" } } });
    expect(r.timings.assignedAt).toBeDefined();
  });

  it("rejects an unknown function and a bad body at once, each with its code", async () => {
    const unknown = await cluster.invoke("p-nope", { input: 1 }, "p-inv-unknown");
    expect(unknown).toMatchObject({ status: "rejected", error: { code: "function_not_found" }, attempts: 0 });

    const inbox = createInbox();
    const sub = cluster.nats.nc.subscribe(inbox, { max: 1, timeout: 10_000 });
    const h = headers();
    h.set(H.replyTo, inbox);
    await cluster.nats.js.publish(subjects.invoke("p-echo"), "{not json", { msgID: "p-inv-bad", headers: h });
    for await (const m of sub) expect(parseResult(m.data)).toMatchObject({ invocationId: "p-inv-bad", status: "rejected", error: { code: "invalid_request" } });
  });

  it("reads a request whose headers cannot be decoded (a raw client's bad header name) as one without headers, and goes on", async () => {
    await cluster.deploy("p-echo");
    await cluster.spearlet("p-hdr", 1);
    const { seq } = await cluster.nats.js.publish(subjects.invoke("p-echo"), JSON.stringify({ input: 1 }), { headers: undecodableHeaders() });
    const result = await eventually(async () => (await getResult(cluster.nats.jsm, `seq-${seq}`)) ?? undefined, 10_000);
    expect(result).toMatchObject({ invocationId: `seq-${seq}`, status: "succeeded" });
    // Read back by its sequence, as a retry or the reaper does (a direct get throws on such headers in nats.js).
    expect(await loadRequest(cluster.nats.jsm, seq)).toMatchObject({ ok: true, request: { invocationId: `seq-${seq}` } });
    expect(await cluster.invoke("p-echo", { input: 2 }, "p-after-bad-headers")).toMatchObject({ status: "succeeded" });
  });

  it("treats the same invocation id submitted twice as one invocation with one result", async () => {
    const inbox = createInbox();
    const got: string[] = [];
    const sub = cluster.nats.nc.subscribe(inbox, { callback: (_e, m) => void got.push(parseResult(m.data).invocationId) });
    const first = await submitInvocation(cluster.nats.js, "p-echo", { input: 1 }, { invocationId: "p-dup", replyTo: inbox });
    const second = await submitInvocation(cluster.nats.js, "p-echo", { input: 1 }, { invocationId: "p-dup", replyTo: inbox });
    expect(second.duplicate).toBe(true);
    expect(second.seq).toBe(first.seq);
    await eventually(() => (got.length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    sub.unsubscribe();
    expect(got).toEqual(["p-dup"]);
    const results = [];
    for await (const m of readStream(cluster.nats.js, streamNames.results, { filter: subjects.result("p-dup") })) results.push(m);
    expect(results).toHaveLength(1);
  });

  it("waits for capacity and gives up with no_capacity after the queue timeout", async () => {
    await cluster.deploy("p-gpu", { requirements: { services: ["gpu"], labels: {} } });
    const started = Date.now();
    const r = await cluster.invoke("p-gpu", { input: 1 }, "p-inv-gpu");
    expect(r).toMatchObject({ status: "rejected", error: { code: "no_capacity" } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
  });

  it("serves higher priorities first, and first come first served within a priority", async () => {
    await cluster.deploy("p-slow");
    const slow = await cluster.spearlet("p-one-slot", 1, { runMs: 250 }, { services: ["solo"] });
    await cluster.deploy("p-solo", { requirements: { services: ["solo"], labels: {} } });
    // Occupy the only slot, then queue calls of mixed priority behind it.
    const blocker = cluster.invoke("p-solo", { input: "blocker" }, "p-prio-0");
    await eventually(() => (slow.assignments.length > 0 ? true : undefined));
    const queued = [
      cluster.invoke("p-solo", { input: "low-a", priority: 1 }, "p-prio-low-a", 30_000),
      cluster.invoke("p-solo", { input: "low-b", priority: 1 }, "p-prio-low-b", 30_000),
      cluster.invoke("p-solo", { input: "high", priority: 9 }, "p-prio-high", 30_000),
    ];
    await Promise.all([blocker, ...queued]);
    expect(slow.assignments.map((a) => a.invocationId)).toEqual(["p-prio-0", "p-prio-high", "p-prio-low-a", "p-prio-low-b"]);
  });
});
