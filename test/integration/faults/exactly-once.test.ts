import { describe, expect, it } from "vitest";
import { getResult } from "../../../streams/invocations/results.js";
import { useFaultCluster } from "./fault-harness.js";

/**
 * A call never runs again for something that is not a fault of its node: an output too large
 * to carry ends the invocation once, and an id submitted again after the duplicate window
 * (1 s here) gets the recorded result without running.
 */
const cluster = useFaultCluster({ streams: { dedupeWindowMs: 1_000 } });

describe("one execution per invocation, whatever the caller or the output does", () => {
  it("ends an invocation whose output is too large to record once, as failed with output_too_large", async () => {
    // Memory enough for the worker to build its 70 MiB answer: the output, not the worker, is too large.
    // Time enough to move 70 MiB through a pipe on a loaded CI machine (17 s seen there): the
    // time limit must not be what ends this call.
    await cluster.deploy("once-sleepy", { memoryMb: 1024, timeoutMs: 45_000 });
    cluster.scheduler();
    cluster.spearlet("once-a", 2);
    cluster.spearlet("once-b", 2);
    await cluster.online("once-a");
    await cluster.online("once-b");

    // More than the 64 MiB an output may hold by reference.
    const call = await cluster.call("once-sleepy", { input: { bytes: 70 * 1024 * 1024 } }, "once-big");
    const result = await call.result(50_000);
    expect(result).toMatchObject({ status: "failed", error: { code: "output_too_large" }, attempts: 1 });
    expect(result.output).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(cluster.executions("once-big")).toBe(1);
    expect(call.replies).toHaveLength(1);
  }, 90_000);

  it("answers an id submitted again after the duplicate window with its recorded result, running nothing", async () => {
    const first = await cluster.call("once-sleepy", { input: { echo: "first" } }, "once-again");
    const recorded = await first.result(20_000);
    expect(recorded).toMatchObject({ status: "succeeded", output: "first" });
    await new Promise((r) => setTimeout(r, 2_000));

    const again = await cluster.call("once-sleepy", { input: { echo: "second" } }, "once-again");
    expect(await again.result(20_000)).toEqual(recorded);
    expect(again.bodies[0]).toBe(first.bodies[0]);
    expect(await getResult(cluster.nats.jsm, "once-again")).toEqual(recorded);
    await new Promise((r) => setTimeout(r, 500));
    expect(cluster.executions("once-again")).toBe(1);
  }, 60_000);

  it("gives a request submitted again while its invocation still runs the one result, running nothing more", async () => {
    const first = await cluster.call("once-sleepy", { input: { sleepMs: 3_000, echo: "slow" } }, "once-running");
    await new Promise((r) => setTimeout(r, 1_500));
    const second = await cluster.call("once-sleepy", { input: { echo: "other" } }, "once-running");
    const [a, b] = await Promise.all([first.result(20_000), second.result(20_000)]);
    expect(a).toMatchObject({ status: "succeeded", output: "slow" });
    expect(b).toEqual(a);
    expect(cluster.executions("once-running")).toBe(1);
  }, 60_000);
});
