import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeSnapshot } from "../../../domain/scheduling/snapshot.js";
import { SnapshotSource } from "../../../services/scheduler/snapshot-source.js";
import type { Nats } from "../../../streams/connection.js";
import { publishAssignment } from "../../../streams/invocations/assignments.js";
import { lastMatchingSeq } from "../../../streams/reader.js";
import { streamNames } from "../../../streams/catalog.js";
import { connectTest, eventually, testLog } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

const servers = useServers({ nats: true });
let nats: Nats;
let source: SnapshotSource;
const changes: boolean[] = [];
beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
  source = new SnapshotSource(nats.js, testLog);
  source.onChange((_s: RuntimeSnapshot, capacity) => changes.push(capacity));
  await source.start();
});
afterAll(async () => {
  await source?.stop();
  await nats?.nc.close();
});

const assign = (invocationId: string, sessionId?: string) =>
  publishAssignment(nats.js, {
    invocationId,
    function: "f",
    version: 1,
    attempt: 1,
    nodeId: "ss-node",
    leaseToken: `${invocationId}-1`,
    deadline: new Date(Date.now() + 60_000).toISOString(),
    timeoutMs: 1_000,
    requestSeq: 1,
    submittedAt: new Date().toISOString(),
    ...(sessionId ? { sessionId } : {}),
  });

const folded = async () => {
  const { seq } = await lastMatchingSeq(nats.jsm, streamNames.assign);
  expect(await source.assignmentsFolded(seq, 5_000)).toBe(true);
};

describe("the scheduler's runtime snapshot", () => {
  it("derives no new snapshot for assignments without a session (one per call, it would be a snapshot per call)", async () => {
    const builds = source.buildCount;
    for (let i = 0; i < 5; i++) await assign(`ss-plain-${i}`);
    await folded();
    expect(source.buildCount).toBe(builds);
  });

  it("derives one for a session's assignment, marked as no change of capacity", async () => {
    changes.length = 0;
    await assign("ss-session", "ss-s1");
    await folded();
    await eventually(() => (changes.length > 0 ? true : undefined));
    expect(changes).toEqual([false]);
    expect(source.snapshot.sessions.get("ss-s1")?.lastNode).toBe("ss-node");
  });
});
