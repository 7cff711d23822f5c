import { describe, expect, it } from "vitest";
import { H } from "../../../domain/headers.js";
import { streamNames } from "../../../streams/catalog.js";
import { readStream } from "../../../streams/reader.js";
import { eventually } from "../../support/nats.js";
import { useCluster } from "../../support/cluster.js";

const cluster = useCluster({ maxAttempts: 3, pickupTimeout: 1_500, queueTimeout: 20_000 });

describe("scheduler: failover", () => {
  it("completes elsewhere the work of a node that dies with it assigned", async () => {
    await cluster.deploy("f-die", { requirements: { services: ["die"], labels: {} } });
    const doomed = await cluster.spearlet("f-doomed", 2, { hang: true }, { services: ["die"] });
    const result = cluster.invoke("f-die", { input: "x" }, "f-inv-die", 30_000);
    await eventually(() => (doomed.assignments.length > 0 ? true : undefined));
    const survivor = await cluster.spearlet("f-survivor", 2, {}, { services: ["die"] });
    await doomed.crash();
    const r = await result;
    expect(r).toMatchObject({ status: "succeeded", nodeId: "f-survivor", attempts: 2 });
    expect(survivor.assignments.find((a) => a.invocationId === "f-inv-die")?.attempt).toBe(2);
  });

  it("retries a retryable failure on another node, excluding the one that failed", async () => {
    await cluster.deploy("f-flaky", { requirements: { services: ["flaky"], labels: {} } });
    const bad = await cluster.spearlet("f-bad", 1, { failRetryably: true }, { services: ["flaky"] });
    const good = await cluster.spearlet("f-good", 1, { runMs: 5 }, { services: ["flaky"] });
    const ids = Array.from({ length: 6 }, (_, i) => `f-flaky-${i}`);
    const results = await Promise.all(ids.map((id) => cluster.invoke("f-flaky", { input: id }, id)));
    expect(results.every((r) => r.status === "succeeded" && r.nodeId === "f-good")).toBe(true);
    for (const a of good.assignments.filter((x) => x.attempt > 1)) expect(bad.assignments.some((b) => b.invocationId === a.invocationId)).toBe(true);
  });

  it("does not count a node's refusals (saturated) against the attempts", async () => {
    await cluster.deploy("f-busy", { requirements: { services: ["busy"], labels: {} } });
    const busy = await cluster.spearlet("f-busy-node", 1, { refuseTimes: 4 }, { services: ["busy"] });
    const r = await cluster.invoke("f-busy", { input: 1 }, "f-inv-busy", 30_000);
    expect(r).toMatchObject({ status: "succeeded", nodeId: "f-busy-node", attempts: 5 });
    expect(busy.refused).toBe(4);
  });

  it("dead-letters an invocation when every attempt fails, with the reason and the request", async () => {
    await cluster.deploy("f-doom", { requirements: { services: ["doom"], labels: {} } });
    await cluster.spearlet("f-fail-1", 1, { failRetryably: true }, { services: ["doom"] });
    await cluster.spearlet("f-fail-2", 1, { failRetryably: true }, { services: ["doom"] });
    await cluster.spearlet("f-fail-3", 1, { failRetryably: true }, { services: ["doom"] });
    const r = await cluster.invoke("f-doom", { input: "doomed" }, "f-inv-doom", 30_000);
    expect(r).toMatchObject({ status: "dead_lettered", attempts: 3, error: { code: "attempts_exhausted" } });
    const dead = [];
    for await (const m of readStream(cluster.nats.js, streamNames.dlq, { filter: "spear.dlq.invocation.f-doom" })) dead.push(m);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.headers?.get(H.dlqCode)).toBe("attempts_exhausted");
    expect(JSON.parse(new TextDecoder().decode(dead[0]!.data))).toMatchObject({ input: "doomed" });
  });

  it("retries elsewhere when a live node never picks its assignment up (pickup timeout)", async () => {
    await cluster.deploy("f-pickup", { requirements: { services: ["pickup"], labels: {} } });
    await cluster.spearlet("f-stuck", 1, { noPickup: true }, { services: ["pickup"] });
    const started = Date.now();
    const result = cluster.invoke("f-pickup", { input: 1 }, "f-inv-pickup", 30_000);
    await eventually(async () => {
      for await (const m of readStream(cluster.nats.js, streamNames.assign, { filter: "spear.assign.f-stuck" })) return m;
      return undefined;
    });
    const awake = await cluster.spearlet("f-awake", 1, {}, { services: ["pickup"] });
    const r = await result;
    expect(r).toMatchObject({ status: "succeeded", nodeId: "f-awake", attempts: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(awake.assignments.find((a) => a.invocationId === "f-inv-pickup")?.attempt).toBe(2);
  });
});
