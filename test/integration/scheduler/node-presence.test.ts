import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subjects } from "../../../domain/subjects.js";
import { LeaseStore } from "../../../services/leases/lease-store.js";
import { NodePresence, RECONNECT_GRACE_MS } from "../../../services/scheduler/node-presence.js";
import type { Nats } from "../../../streams/connection.js";
import { Reconnects } from "../../../streams/reconnects.js";
import { connectTest, eventually, testLog } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

const servers = useServers({ nats: true, redis: true });
let scheduler: Nats;
let leases: LeaseStore;
beforeAll(async () => {
  scheduler = await connectTest(servers.nats.url);
  leases = new LeaseStore({ url: servers.redis.url, log: testLog });
  await leases.ready();
  await leases.rebuild([]);
});
afterAll(async () => {
  await scheduler?.nc.close();
  await leases?.close();
});

/** A node with one running call, whose process answers presence on a connection of its own. */
async function nodeWithCall(nodeId: string) {
  const node = await connectTest(servers.nats.url);
  node.nc.subscribe(subjects.presence(nodeId), { callback: (_e, m) => void m.respond() });
  await node.nc.flush();
  const r = await leases.reserve(nodeId, 1, { invocationId: `${nodeId}-call`, attempt: 1, ttlMs: 60_000, requestSeq: 1, stallMs: 60_000 });
  if (!r.ok) throw new Error("no lease");
  await leases.commit(r.lease.token, 60_000);
  return node;
}

const runningOn = async (nodeId: string) => (await leases.counters([nodeId])).get(nodeId)?.running ?? 0;

describe("node presence across a nats-server restart", () => {
  it("judges no node while every client reconnects, and finds one that never comes back once the grace is over", async () => {
    const slow = await nodeWithCall("np-slow");
    const dead = await nodeWithCall("np-dead");
    const reconnects = new Reconnects(scheduler.nc);
    const presence = new NodePresence(scheduler.nc, reconnects, leases, testLog);
    presence.start(() => ["np-slow", "np-dead"]);
    try {
      // Both node processes lose their connection with the server; the slow one is back only
      // after the scheduler has been probing for a while (a reconnect slower than the scheduler's).
      await slow.nc.close();
      await dead.nc.close();
      await servers.nats.kill();
      await servers.nats.restart();
      const back = new Promise<void>((resolve) => reconnects.once(resolve));
      await back;
      await new Promise((r) => setTimeout(r, RECONNECT_GRACE_MS / 2));
      expect(presence.isGone("np-slow")).toBe(false);
      expect(await runningOn("np-slow")).toBe(1);
      const again = await connectTest(servers.nats.url);
      again.nc.subscribe(subjects.presence("np-slow"), { callback: (_e, m) => void m.respond() });
      await again.nc.flush();

      // The node that never came back loses its call once the grace is over; the slow one keeps its own.
      await eventually(async () => ((await runningOn("np-dead")) === 0 ? true : undefined), RECONNECT_GRACE_MS + 5_000);
      expect(presence.isGone("np-dead")).toBe(true);
      expect(presence.isGone("np-slow")).toBe(false);
      expect(await runningOn("np-slow")).toBe(1);
      await again.nc.close();
    } finally {
      presence.stop();
      reconnects.stop();
    }
  });
});
