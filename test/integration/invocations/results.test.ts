import { createInbox } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InvocationFinished } from "../../../domain/events/invocation.js";
import type { Nats } from "../../../streams/connection.js";
import { getResult, parseResult, recordResult, resendResult } from "../../../streams/invocations/results.js";
import { finishedResult } from "../../support/finished-result.js";
import { connectTest } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

const servers = useServers({ nats: true });
let nats: Nats;
beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
});
afterAll(async () => nats?.nc.close());

const result = finishedResult;

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
    // Only the write that stored it is fresh: the result is counted once, where it was recorded.
    expect(first.recorded && first.fresh).toBe(true);
    expect(repeat.recorded && repeat.fresh).toBe(false);
    expect(other.recorded).toBe(false);
  });

  it("sends the stored result, byte for byte, when a writer's repeated publish is deduplicated: never a second, different reply", async () => {
    const inbox = createInbox();
    const bodies: string[] = [];
    const sub = nats.nc.subscribe(inbox, { callback: (_e, m) => void bodies.push(m.string()) });
    await nats.nc.flush();
    const first = result("dedup-1", "a");
    await recordResult(nats.nc, nats.js, first, { replyTo: inbox, writer: "a1" });
    // The same writer built its result again after a lost ack: other times, same event id.
    const rebuilt = { ...first, timings: { ...first.timings, finishedAt: new Date(Date.now() + 5_000).toISOString() } };
    const again = await recordResult(nats.nc, nats.js, rebuilt, { replyTo: inbox, writer: "a1" });
    expect(again.recorded && again.result.timings.finishedAt).toBe(first.timings.finishedAt);
    // Another writer that lost the race sends nothing.
    await recordResult(nats.nc, nats.js, result("dedup-1", "b"), { replyTo: inbox, writer: "a2" });
    await nats.nc.flush();
    await new Promise((r) => setTimeout(r, 200));
    sub.unsubscribe();
    expect(bodies).toHaveLength(2);
    expect(new Set(bodies).size).toBe(1);
    expect(parseResult(new TextEncoder().encode(bodies[0]!))).toEqual(await getResult(nats.jsm, "dedup-1"));
  });

  it("records a result too large for the server as a failure that says so, without the output", async () => {
    const big = { ...result("too-big-1", "a"), output: "x".repeat(2 * 1024 * 1024) };
    const out = await recordResult(nats.nc, nats.js, big, { writer: "a1" });
    expect(out.recorded).toBe(true);
    const stored = await getResult(nats.jsm, "too-big-1");
    expect(stored).toMatchObject({ status: "failed", error: { code: "output_too_large" } });
    expect(stored?.output).toBeUndefined();
  });

  it("resends the recorded result to a new reply subject, and says when there is none", async () => {
    await recordResult(nats.nc, nats.js, result("resend-1", "a"), { writer: "a1" });
    const inbox = createInbox();
    const sub = nats.nc.subscribe(inbox, { max: 1, timeout: 2_000 });
    await nats.nc.flush();
    expect(await resendResult(nats.nc, nats.jsm, "resend-1", inbox)).toBe(true);
    for await (const m of sub) expect(parseResult(m.data)).toEqual(await getResult(nats.jsm, "resend-1"));
    expect(await resendResult(nats.nc, nats.jsm, "resend-none", inbox)).toBe(false);
  });

  it("reads nothing for an invocation without a result", async () => {
    expect(await getResult(nats.jsm, "never-finished")).toBeUndefined();
  });
});
