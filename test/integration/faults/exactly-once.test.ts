import { describe, expect, it } from "vitest";
import { getResult } from "../../../streams/invocations/results.js";
import { useFaultCluster } from "./fault-harness.js";

/**
 * A call never runs again for something that is not a fault of its node: an output too large
 * to record ends the invocation once, and an id submitted again after the duplicate window
 * (1 s here) gets the recorded result without running.
 */
const cluster = useFaultCluster({ streams: { dedupeWindowMs: 1_000 } });

describe("one execution per invocation, whatever the caller or the output does", () => {
  it("ends an invocation whose output is too large to record once, as failed with output_too_large", async () => {
    await cluster.deploy("once-sleepy");
    cluster.scheduler();
    cluster.spearlet("once-a", 2);
    cluster.spearlet("once-b", 2);
    await cluster.online("once-a");
    await cluster.online("once-b");

    const call = await cluster.call("once-sleepy", { input: { bytes: 2 * 1024 * 1024 } }, "once-big");
    const result = await call.result(30_000);
    expect(result).toMatchObject({ status: "failed", error: { code: "output_too_large" }, attempts: 1 });
    expect(result.output).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(cluster.executions("once-big")).toBe(1);
    expect(call.replies).toHaveLength(1);
  }, 60_000);

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
});
