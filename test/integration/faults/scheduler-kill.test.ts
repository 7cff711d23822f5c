import { describe, expect, it } from "vitest";
import { SCHEDULER_CONSUMER } from "../../../services/scheduler/dispatcher.js";
import { streamNames } from "../../../streams/catalog.js";
import { exited } from "../../support/cli.js";
import { eventually } from "../../support/nats.js";
import { useFaultCluster } from "./fault-harness.js";

/**
 * A request held by a scheduler replica that dies (kill -9) goes to another replica within the
 * request consumer's ack wait (5 s by default), and is placed there: not left until its queue
 * time runs out, nor rejected without being tried.
 */
const cluster = useFaultCluster();

const held = async () => (await cluster.nats.jsm.consumers.info(streamNames.invoke, SCHEDULER_CONSUMER)).num_ack_pending;

describe("a scheduler replica killed while it holds a request", () => {
  it("leaves the request to another replica, which places it within seconds", async () => {
    await cluster.deploy("held-sleepy");
    const doomed = cluster.scheduler();
    await eventually(async () => ((await cluster.nats.jsm.consumers.info(streamNames.invoke, SCHEDULER_CONSUMER).catch(() => undefined))?.num_waiting ? true : undefined), 20_000);
    // No node yet: the request waits for capacity inside the doomed replica.
    const call = await cluster.call("held-sleepy", { input: { echo: "held" } }, "held-1");
    await eventually(async () => ((await held()) === 1 ? true : undefined), 10_000);

    cluster.scheduler();
    doomed.kill("SIGKILL");
    await exited(doomed);
    const killedAt = Date.now();
    cluster.spearlet("held-node", 2);
    await cluster.online("held-node");

    const result = await call.result(30_000);
    expect(result).toMatchObject({ status: "succeeded", output: "held", attempts: 1, nodeId: "held-node" });
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    expect(cluster.executions("held-1")).toBe(1);
  }, 60_000);
});
