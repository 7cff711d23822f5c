import { describe, expect, it } from "vitest";
import { isSpearError } from "../../../domain/errors.js";
import { SpearClient } from "../../../services/sdk/index.js";
import { getResult } from "../../../streams/invocations/results.js";
import { eventually } from "../../support/nats.js";
import { useFaultCluster } from "./fault-harness.js";

/**
 * Inputs and outputs larger than a NATS message travel by reference through the payload
 * bucket, transparently for SDK callers and for a plain client whose request just fits.
 */
const cluster = useFaultCluster();
const MiB = 1024 * 1024;

describe("inputs and outputs by reference", () => {
  it("carries a 3 MiB input and output through the SDK, storing both by reference, running once", async () => {
    await cluster.deploy("big-echo");
    cluster.scheduler();
    cluster.spearlet("big-1", 2);
    await cluster.online("big-1");
    const client = await SpearClient.fromConnection(cluster.nats.nc);
    const text = "x".repeat(3 * MiB);
    const result = await client.invokeForResult("big-echo", { echo: text }, { invocationId: "big-sdk", waitMs: 30_000 });
    expect(result).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(result.output).toBe(text);
    const recorded = await getResult(cluster.nats.jsm, "big-sdk");
    expect(recorded?.output).toBeUndefined();
    expect(recorded?.outputRef).toEqual({ object: "output/big-sdk", size: text.length + 2 });
    expect(cluster.executions("big-sdk")).toBe(1);
    expect((await client.result("big-sdk"))?.output).toBe(text);
  }, 60_000);

  it("runs a plain client's request whose inline input just fits in a message: the scheduler stores the input for the node", async () => {
    const text = "y".repeat(1_000_000);
    const call = await cluster.call("big-echo", { input: { echo: text } }, "big-plain");
    const result = await call.result(30_000);
    expect(result).toMatchObject({ status: "succeeded", outputRef: { object: "output/big-plain" } });
    expect(cluster.executions("big-plain")).toBe(1);
  }, 60_000);

  it("refuses a reference to another invocation's object, or to one that is missing", async () => {
    const other = await cluster.call("big-echo", { inputRef: { object: "input/big-sdk", size: 10 } }, "big-steal");
    expect(await other.result(15_000)).toMatchObject({ status: "rejected", error: { code: "invalid_request" } });
    const missing = await cluster.call("big-echo", { inputRef: { object: "input/big-missing", size: 10 } }, "big-missing");
    expect(await missing.result(15_000)).toMatchObject({ status: "rejected", error: { code: "invalid_request" } });
    expect((await eventually(() => getResult(cluster.nats.jsm, "big-missing")))?.error?.message).toMatch(/missing/);
  }, 30_000);

  it("refuses in the SDK an input nested deeper than any hop can carry, storing nothing", async () => {
    const client = await SpearClient.fromConnection(cluster.nats.nc);
    const deep = JSON.parse(`${"[".repeat(300)}${"]".repeat(300)}`) as unknown;
    const refused = await client.submit("big-echo", deep, { invocationId: "big-deep" }).catch((e: unknown) => e);
    expect(isSpearError(refused, "invalid_argument")).toBe(true);
  });
});
