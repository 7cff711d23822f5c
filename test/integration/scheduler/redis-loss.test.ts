import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { eventually } from "../../support/nats.js";
import { useCluster } from "../../support/cluster.js";

const cluster = useCluster({ queueTimeout: 30_000, pickupTimeout: 5_000 });

const flushRedis = async (url: string) => {
  const r = new Redis(url);
  await r.flushall();
  r.disconnect();
};

describe("scheduler: Redis loss", () => {
  it("loses no slot when Redis is flushed while calls run: leases come back from the log", async () => {
    await cluster.deploy("x-long", { requirements: { services: ["long"], labels: {} } });
    const node = await cluster.spearlet("x-node", 2, { runMs: 1_500 }, { services: ["long"] });
    const first = [cluster.invoke("x-long", { input: 1 }, "x-1", 30_000), cluster.invoke("x-long", { input: 2 }, "x-2", 30_000)];
    await eventually(() => (node.running === 2 ? true : undefined));
    await flushRedis(cluster.servers.redis.url);
    // Both slots are still taken by the running calls: the third must wait for one to end.
    const third = cluster.invoke("x-long", { input: 3 }, "x-3", 30_000);
    const results = await Promise.all([...first, third]);
    expect(results.map((r) => r.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect(node.maxRunning).toBeLessThanOrEqual(2);
    expect(node.assignments.map((a) => a.invocationId).sort()).toEqual(["x-1", "x-2", "x-3"]);
  });

  it("loses nothing while Redis is down: requests wait and complete after it is back", async () => {
    await cluster.deploy("x-wait");
    await cluster.spearlet("x-node-2", 2, { runMs: 10 });
    await cluster.servers.redis.kill();
    const pending = cluster.invoke("x-wait", { input: "while down" }, "x-down-1", 40_000);
    await new Promise((r) => setTimeout(r, 1_500));
    await cluster.servers.redis.restart();
    const r = await pending;
    expect(r.status).toBe("succeeded");
  });
});
