import { headers } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { H } from "../../../domain/headers.js";
import { subjects } from "../../../domain/subjects.js";
import { activeLeasesFromLog, LeaseLog } from "../../../services/scheduler/lease-log.js";
import type { Nats } from "../../../streams/connection.js";
import { publishAssignment } from "../../../streams/invocations/assignments.js";
import { connectTest } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

const servers = useServers({ nats: true });
let nats: Nats;
beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
});
afterAll(async () => {
  await nats?.nc.close();
});

const assign = (invocationId: string, attempt: number, nodeId: string) =>
  publishAssignment(nats.js, {
    invocationId,
    function: "f",
    version: 1,
    attempt,
    nodeId,
    leaseToken: `${invocationId}-${attempt}`,
    deadline: new Date(Date.now() + 60_000).toISOString(),
    timeoutMs: 1_000,
    requestSeq: 1,
    submittedAt: new Date().toISOString(),
  });

describe("active leases read back from the log", () => {
  it("keeps the latest attempt of each invocation without a result, and counts junk for nothing, whatever its headers claim", async () => {
    const since = new Date(Date.now() - 1_000);
    await assign("ll-done", 1, "ll-a");
    await nats.js.publish(subjects.result("ll-done"), "{}");
    await assign("ll-retried", 1, "ll-a");
    await assign("ll-retried", 2, "ll-b");
    await assign("ll-running", 1, "ll-a");
    // Junk on an assignment subject: one without headers, one whose headers claim a later attempt of a live call.
    await nats.js.publish(subjects.assign("ll-a"), "not json");
    const forged = headers();
    forged.set(H.invocationId, "ll-running");
    forged.set(H.attempt, "9");
    await nats.js.publish(subjects.assign("ll-a"), "{}", { headers: forged });

    const active = (await activeLeasesFromLog(nats, since)).sort((a, b) => a.invocationId.localeCompare(b.invocationId));
    expect(active.map((l) => [l.invocationId, l.attempt, l.nodeId, l.token])).toEqual([
      ["ll-retried", 2, "ll-b", "ll-retried-2"],
      ["ll-running", 1, "ll-a", "ll-running-1"],
    ]);
  });

  it("tops up from where its last read ended: later assignments and results count, nothing twice", async () => {
    const log = new LeaseLog(nats, new Date());
    await assign("lt-1", 1, "lt-a");
    await log.catchUp();
    expect(log.active().map((l) => l.invocationId)).toEqual(["lt-1"]);
    await nats.js.publish(subjects.result("lt-1"), "{}");
    await assign("lt-2", 1, "lt-a");
    await assign("lt-2", 2, "lt-b");
    await log.catchUp();
    expect(log.active().map((l) => [l.invocationId, l.attempt])).toEqual([["lt-2", 2]]);
    // Assignments older than the bound asked for are left out, as a fresh read from there would.
    expect(log.active(new Date(Date.now() + 60_000))).toEqual([]);
  });
});
