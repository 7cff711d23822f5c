import { describe, expect, it } from "vitest";
import { streamNames } from "../../../streams/catalog.js";
import { lastMatchingSeq } from "../../../streams/reader.js";
import { eventually } from "../../support/nats.js";
import { useSpearlet } from "./agent-harness.js";
import { exampleWasm } from "./wasm-fixtures.js";

/**
 * A spearlet across a restart of its nats-server (kill -9, same port and data). The drain at
 * the end is short: after kill -9 the server may count acks pending for messages it lost.
 */
const node = useSpearlet("reconnect1", { heartbeat: 300, drainTimeout: 1_000 });

describe("spearlet agent: NATS restart", () => {
  it("resyncs its TaskRef cache, resumes its consumer and reports, and serves functions deployed meanwhile", async () => {
    const v1 = await node.deployWasm("echo", exampleWasm("echo"));
    expect(await (await node.assign("echo", "before", { version: v1 })).result()).toMatchObject({ status: "succeeded", output: "before" });

    await node.server.restart();
    // The control plane and the test's connection come back too; deploy while the node may still be reconnecting.
    const v2 = await eventually(() => node.deployWasm("echo", exampleWasm("wordcount")), 20_000, 200);
    expect(v2).toBe(v1 + 1);
    const reportsBefore = node.reports.length;
    const after = await eventually(async () => (await node.assign("echo", "after", { version: v2 })).result(5_000), 30_000, 500);
    expect(after).toMatchObject({ status: "succeeded", output: { bytes: 5, words: 1 } });

    // Its cache is in step with the log: the sync version is the last function event.
    const { seq } = await lastMatchingSeq(node.nats.jsm, streamNames.events, "spear.evt.function.>");
    await eventually(async () => ((await node.stats()).taskRefSeq === seq ? true : undefined));
    // Its reports go on reaching the status stream.
    const stored = async () => (await lastMatchingSeq(node.nats.jsm, streamNames.status, "spear.status.reconnect1")).seq;
    const seen = await stored();
    await eventually(async () => (node.reports.length > reportsBefore + 1 && (await stored()) > seen ? true : undefined));
  });
});
