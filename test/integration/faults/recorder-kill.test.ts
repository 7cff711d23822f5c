import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { atNode, nodeAgentApi } from "../../../domain/api/node-agent.js";
import { api } from "../../../domain/api/registry.js";
import { smsRequest } from "../../../services/api/client.js";
import { getResult } from "../../../streams/invocations/results.js";
import { exited } from "../../support/cli.js";
import { eventually } from "../../support/nats.js";
import { useFaultCluster } from "./fault-harness.js";

/**
 * Spearlets record their results through the schedulers' recorder. With every scheduler
 * process killed (kill -9) while a call runs, the finished call's node keeps asking until a
 * replica is back, and the invocation ends with one recorded result, run once, replied once.
 */
const cluster = useFaultCluster();
const worker = join(import.meta.dirname, "..", "..", "support", "workers", "sleepy.cjs");
const stats = () => smsRequest(cluster.nats.nc, atNode(nodeAgentApi.stats, "rec-node"), {});

describe("the result recorder's schedulers killed while a call runs", () => {
  it("records the result once through the replica started after, without running the call again", async () => {
    await smsRequest(cluster.nats.nc, api.functions.deploy, { name: "rec-sleepy", spec: { runtime: "process", command: ["node", worker], limits: { timeoutMs: 10_000 } } });
    const doomed = cluster.scheduler();
    cluster.spearlet("rec-node", 2);
    await cluster.online("rec-node");

    const call = await cluster.call("rec-sleepy", { input: { sleepMs: 2_000, echo: "kept" } }, "rec-kill-1");
    await eventually(async () => ((await stats().catch(() => undefined))?.running === 1 ? true : undefined), 20_000);
    doomed.kill("SIGKILL");
    await exited(doomed);
    // The call finishes with no recorder anywhere: the node waits the outage out.
    await new Promise((r) => setTimeout(r, 3_500));
    expect(call.replies).toHaveLength(0);
    expect(await getResult(cluster.nats.jsm, "rec-kill-1")).toBeUndefined();

    cluster.scheduler();
    const result = await call.result(30_000);
    expect(result).toMatchObject({ status: "succeeded", output: "kept", attempts: 1, nodeId: "rec-node" });
    expect(await getResult(cluster.nats.jsm, "rec-kill-1")).toEqual(result);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(call.replies).toHaveLength(1);
    expect(await stats()).toMatchObject({ executionCount: 1, running: 0, fenced: 0 });
  }, 90_000);
});
