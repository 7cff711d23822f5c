import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaseStore } from "../../../services/leases/lease-store.js";
import { eventually } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";
import { rejectsWith } from "./lease-support.js";

const servers = useServers({ redis: true });
const lines: { level: number; msg: string }[] = [];
let store: LeaseStore;

beforeAll(async () => {
  const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
  // A long command timeout: failing fast must come from not queueing, not from a timer.
  store = new LeaseStore({ url: servers.redis.url, commandTimeoutMs: 30_000, log });
  await store.ready();
  await store.rebuild([]);
});
afterAll(async () => store?.close());

describe("Redis outage", () => {
  it("fails every call at once with redis_unreachable while Redis is down, logging one warning, and recovers after a restart", async () => {
    const held = await store.reserve("n1", 2, { invocationId: "before", attempt: 1, ttlMs: 60_000 });
    expect(held.ok).toBe(true);
    await servers.redis.kill();

    const started = Date.now();
    for (let i = 0; i < 5; i++) await rejectsWith(store.reserve("n1", 2, { invocationId: `down-${i}`, attempt: 1, ttlMs: 60_000 }), "redis_unreachable");
    await rejectsWith(store.commit("1", 1000), "redis_unreachable");
    await rejectsWith(store.epoch(), "redis_unreachable");
    // Nothing waited for the 30 s command timeout: the calls were refused, not queued.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(lines.filter((l) => l.level >= 40 && /unreachable/.test(l.msg))).toHaveLength(1);

    await servers.redis.restart();
    // The restarted server kept nothing, so the store reports the loss until it is rebuilt.
    await eventually(async () => ((await store.epoch()) === null ? true : undefined), 15_000, 100);
    await rejectsWith(store.reserve("n1", 2, { invocationId: "after", attempt: 1, ttlMs: 60_000 }), "lease_state_lost");
    expect(lines.some((l) => l.level === 30 && /reachable again/.test(l.msg))).toBe(true);
    if (!held.ok) throw new Error("expected a lease");
    await store.rebuild([{ token: held.lease.token, nodeId: "n1", invocationId: "before", attempt: 1, state: "reserved", expiresAt: held.lease.expiresAt }], {
      expectEpoch: null,
    });
    expect(await store.reserve("n1", 2, { invocationId: "after", attempt: 1, ttlMs: 60_000 })).toMatchObject({ ok: true, created: true });
    expect(await store.reserve("n1", 2, { invocationId: "more", attempt: 1, ttlMs: 60_000 })).toMatchObject({ ok: false, reason: "node_full" });
  });
});
