import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { getResult } from "../../../streams/invocations/results.js";
import { eventually } from "../../support/nats.js";
import { repoRoot, useSpearlet } from "./agent-harness.js";

/**
 * A call whose lease is taken away while it runs (the scheduler expires the leases of a node
 * declared lost, and retries the call elsewhere) is stopped at the next renewal and records
 * nothing: the retry owns the invocation.
 */
const node = useSpearlet("fenced1", { commitGrace: 500 });
const worker = join(repoRoot, "test", "support", "workers", "sleepy.cjs");

describe("spearlet agent: a lease fenced off during the call", () => {
  it("stops the call, records no result and sends no reply", async () => {
    const version = await node.deploy("fenced-sleepy", { runtime: "process", command: ["node", worker], limits: { timeoutMs: 4_000 } });
    const call = await node.assign("fenced-sleepy", { sleepMs: 3_500, echo: "late" }, { version, timeoutMs: 3_000 });
    await eventually(async () => ((await node.leases.counters(["fenced1"])).get("fenced1")?.running === 1 ? true : undefined), 10_000);
    await node.leases.expireNode("fenced1");

    const outcome = await node.outcomeOf(call.invocationId);
    expect(outcome).toMatchObject({ status: "refused", errorCode: "lease_expired" });
    // The instance was in the middle of the call: it was terminated, not returned to the pool.
    await eventually(() => node.transitions().find((t) => t.to === "Terminated" && t.function === "fenced-sleepy"), 10_000);
    await new Promise((r) => setTimeout(r, 4_000));
    expect(call.replies).toHaveLength(0);
    expect(await getResult(node.nats.jsm, call.invocationId)).toBeUndefined();
  }, 30_000);
});
