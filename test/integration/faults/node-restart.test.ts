import { describe, expect, it } from "vitest";
import { exited } from "../../support/cli.js";
import { eventually } from "../../support/nats.js";
import { useFaultCluster } from "./fault-harness.js";

/**
 * A spearlet killed with kill -9 and started again under the same node id must take work at
 * once: the deliveries its dead process never acknowledged must not hold its slots until their
 * ack wait (30 s here, to make a stall unmistakable).
 */
const cluster = useFaultCluster();

describe("a node restarted after kill -9", () => {
  it("takes work at once: the call it was running runs again there, and new calls follow", async () => {
    await cluster.deploy("restart-sleepy");
    cluster.scheduler();
    const first = cluster.spearlet("restart-1", 1, "--ack-wait", "30s");
    await cluster.online("restart-1");

    const killed = await cluster.call("restart-sleepy", { input: { sleepMs: 1_500, echo: "killed" } }, "restart-killed");
    // Running once it is in the worker's log.
    await eventually(() => (cluster.executions("restart-killed") === 1 ? true : undefined), 15_000, 20);
    first.kill("SIGKILL");
    await exited(first);

    const restartedAt = Date.now();
    cluster.spearlet("restart-1", 1, "--ack-wait", "30s");
    const next = await cluster.call("restart-sleepy", { input: { echo: "next" } }, "restart-next");
    expect(await killed.result(20_000)).toMatchObject({ status: "succeeded", output: "killed", nodeId: "restart-1" });
    expect(await next.result(20_000)).toMatchObject({ status: "succeeded", output: "next", nodeId: "restart-1" });
    // The start of a spearlet takes a few seconds here; a stall would be the 30 s ack wait.
    expect(Date.now() - restartedAt).toBeLessThan(15_000);
    expect(cluster.executions("restart-killed")).toBe(2);
    expect(cluster.executions("restart-next")).toBe(1);
    expect(killed.replies).toHaveLength(1);
  }, 60_000);
});
