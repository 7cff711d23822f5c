import { createInbox } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InvocationFinished } from "../../../domain/events/invocation.js";
import type { Nats } from "../../../streams/connection.js";
import { getResult, parseResult, recordResult } from "../../../streams/invocations/results.js";
import { connectTest } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

const servers = useServers({ nats: true });
let nats: Nats;
beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
});
afterAll(async () => nats?.nc.close());

const result = (id: string, nodeId: string): InvocationFinished => ({
  invocationId: id,
  function: "echo",
  version: 1,
  status: "succeeded",
  output: { from: nodeId },
  nodeId,
  attempts: 1,
  timings: { submittedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), totalMs: 1 },
});

describe("invocation results", () => {
  it("records exactly one result when two attempts finish at once, and replies once", async () => {
    const inbox = createInbox();
    const received: InvocationFinished[] = [];
    const sub = nats.nc.subscribe(inbox, {
      callback: (_e, m) => {
        received.push(parseResult(m.data));
      },
    });
    const outcomes = await Promise.all([recordResult(nats.nc, nats.js, result("race-1", "a"), { replyTo: inbox, writer: "a1" }), recordResult(nats.nc, nats.js, result("race-1", "b"), { replyTo: inbox, writer: "a2" })]);
    expect(outcomes.filter((o) => o.recorded)).toHaveLength(1);
    await nats.nc.flush();
    await new Promise((r) => setTimeout(r, 100));
    sub.unsubscribe();
    expect(received).toHaveLength(1);
    const stored = await getResult(nats.jsm, "race-1");
    expect(stored?.nodeId).toBe(received[0]!.nodeId);
  });

  it("treats a writer repeating its own publish as the one that recorded", async () => {
    const first = await recordResult(nats.nc, nats.js, result("again-1", "a"), { writer: "a1" });
    const repeat = await recordResult(nats.nc, nats.js, result("again-1", "a"), { writer: "a1" });
    const other = await recordResult(nats.nc, nats.js, result("again-1", "b"), { writer: "a2" });
    expect(first.recorded && repeat.recorded && first.seq === repeat.seq).toBe(true);
    expect(other.recorded).toBe(false);
  });

  it("reads nothing for an invocation without a result", async () => {
    expect(await getResult(nats.jsm, "never-finished")).toBeUndefined();
  });
});
