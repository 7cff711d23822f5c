import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ActiveLease } from "../../../services/leases/lease.js";
import { LeaseStore } from "../../../services/leases/lease-store.js";
import { useServers } from "../../support/servers.js";
import { rejectsWith, sleep } from "./lease-support.js";

const servers = useServers({ redis: true });
let store: LeaseStore;
let other: LeaseStore;
let raw: Redis;

beforeAll(async () => {
  store = new LeaseStore({ url: servers.redis.url, name: "lease-test-a" });
  other = new LeaseStore({ url: servers.redis.url, name: "lease-test-b" });
  raw = new Redis(servers.redis.url);
  await Promise.all([store.ready(), other.ready()]);
});
afterAll(async () => {
  await store?.close();
  await other?.close();
  raw?.disconnect();
});
beforeEach(async () => {
  await raw.flushall();
  await store.rebuild([]);
});

const req = (invocationId: string, ttlMs = 30_000, attempt = 1) => ({ invocationId, attempt, ttlMs });

describe("lease state and its epoch", () => {
  it("refuses every call on a Redis that has no lease state, until it is rebuilt once", async () => {
    await raw.flushall();
    expect(await store.epoch()).toBeNull();
    await rejectsWith(store.reserve("n1", 4, req("i1")), "lease_state_lost");
    await rejectsWith(store.commit("1", 1000), "lease_state_lost");
    const [a, b] = await Promise.all([store.rebuild([], { expectEpoch: null }), other.rebuild([], { expectEpoch: null })]);
    expect([a.applied, b.applied].sort()).toEqual([false, true]);
    expect(await store.epoch()).toBe(a.applied ? a.epoch : b.epoch);
    expect((await store.reserve("n1", 4, req("i1"))).ok).toBe(true);
  });
});

describe("reserve", () => {
  it("never grants more leases than the node's slots under many concurrent reserves from two connections", async () => {
    const calls = Array.from({ length: 200 }, (_, i) => (i % 2 ? store : other).reserve("busy", 5, req(`c${i}`)));
    const results = await Promise.all(calls);
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === "node_full" && r.live === 5)).toBe(true);
    expect((await store.counters(["busy"])).get("busy")).toEqual({ reserved: 5, running: 0 });
  });

  it("gives a node that leaves a reservation uncommitted past the stall limit no new lease, until it picks up", async () => {
    const first = await store.reserve("slow", 10, { ...req("s1"), stallMs: 200 });
    expect(first.ok).toBe(true);
    expect((await store.reserve("slow", 10, { ...req("s2"), stallMs: 200 })).ok).toBe(true);
    await sleep(300);
    expect(await store.reserve("slow", 10, { ...req("s3"), stallMs: 200 })).toMatchObject({ ok: false, reason: "node_stalled" });
    // Without the check (or on another node) nothing changes.
    expect((await store.reserve("slow", 10, req("s4"))).ok).toBe(true);
    // The node commits what waited: it takes work again.
    for (const id of ["s1", "s2", "s4"]) {
      const again = await store.reserve("slow", 10, req(id));
      if (!again.ok) throw new Error("expected the existing lease");
      await store.commit(again.lease.token, 10_000);
    }
    expect((await store.reserve("slow", 10, { ...req("s5"), stallMs: 200 })).ok).toBe(true);
  });

  it("gives a fencing token that grows with every lease", async () => {
    const tokens: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await store.reserve("n1", 10, req(`t${i}`));
      if (!r.ok) throw new Error("expected a lease");
      tokens.push(BigInt(r.lease.token));
    }
    expect([...tokens].sort((a, b) => (a < b ? -1 : 1))).toEqual(tokens);
    expect(new Set(tokens).size).toBe(5);
  });

  it("is idempotent per invocation and attempt: a redelivery gets the same lease and takes no second slot", async () => {
    const [first, again] = await Promise.all([store.reserve("n1", 4, req("dup")), other.reserve("n1", 4, req("dup"))]);
    if (!first.ok || !again.ok) throw new Error("expected leases");
    expect(first.lease.token).toBe(again.lease.token);
    expect([first.created, again.created].sort()).toEqual([false, true]);
    const elsewhere = await store.reserve("n2", 4, req("dup"));
    expect(elsewhere).toMatchObject({ ok: true, created: false, lease: { nodeId: "n1", token: first.lease.token } });
    expect((await store.counters(["n1", "n2"])).get("n1")).toEqual({ reserved: 1, running: 0 });
    const retry = await store.reserve("n2", 4, req("dup", 30_000, 2));
    if (!retry.ok) throw new Error("expected a lease");
    expect(retry.created).toBe(true);
    expect(BigInt(retry.lease.token) > BigInt(first.lease.token)).toBe(true);
  });

  it("refuses bad input with invalid_argument before touching Redis", async () => {
    await rejectsWith(store.reserve("bad:node", 4, req("x")), "invalid_argument");
    await rejectsWith(store.reserve("n1", 4, { invocationId: "x", attempt: 0, ttlMs: 10 }), "invalid_argument");
    await rejectsWith(store.reserve("n1", -1, req("x")), "invalid_argument");
  });
});

describe("commit, release and expiry", () => {
  it("commits a live lease: it becomes running until the run deadline", async () => {
    const r = await store.reserve("n1", 2, req("run", 500));
    if (!r.ok) throw new Error("expected a lease");
    const committed = await store.commit(r.lease.token, 60_000);
    expect(committed.status).toBe("running");
    expect(committed.expiresAt).toBeGreaterThan(r.lease.expiresAt);
    expect((await store.counters(["n1"])).get("n1")).toEqual({ reserved: 0, running: 1 });
    await sleep(700);
    expect((await store.counters(["n1"])).get("n1")).toEqual({ reserved: 0, running: 1 });
  });

  it("refuses to commit a lease that expired, was released or never existed (fencing)", async () => {
    const r = await store.reserve("n1", 2, req("late", 100));
    if (!r.ok) throw new Error("expected a lease");
    await sleep(250);
    await rejectsWith(store.commit(r.lease.token, 60_000), "lease_expired");
    const s = await store.reserve("n1", 2, req("done"));
    if (!s.ok) throw new Error("expected a lease");
    await store.release(s.lease.token);
    await rejectsWith(store.commit(s.lease.token, 60_000), "lease_not_found");
    await rejectsWith(store.commit("999999", 60_000), "lease_not_found");
  });

  it("frees the slot of an expired lease at once, with no sweep", async () => {
    const first = await store.reserve("single", 1, req("a", 500));
    expect(first.ok).toBe(true);
    expect(await store.reserve("single", 1, req("b", 150))).toMatchObject({ ok: false, reason: "node_full" });
    await sleep(700);
    expect((await store.counters(["single"])).get("single")).toEqual({ reserved: 0, running: 0 });
    expect(await store.reserve("single", 1, req("b", 150))).toMatchObject({ ok: true, created: true });
  });

  it("releases once: the slot frees, a second release is a no-op, a late redelivery of the attempt sees it released", async () => {
    const r = await store.reserve("single", 1, req("rel"));
    if (!r.ok) throw new Error("expected a lease");
    expect(await store.release(r.lease.token)).toMatchObject({ released: true, lease: { status: "released" } });
    expect(await store.release(r.lease.token)).toMatchObject({ released: false });
    expect(await store.release("424242")).toEqual({ released: false });
    expect(await store.reserve("single", 1, req("rel"))).toMatchObject({ ok: true, created: false, lease: { status: "released" } });
    expect(await store.reserve("single", 1, req("next"))).toMatchObject({ ok: true, created: true });
  });

  it("gives a reservation back only while no node has committed it", async () => {
    const r = await store.reserve("giver", 2, req("give-committed"));
    const s = await store.reserve("giver", 2, req("give-reserved"));
    if (!r.ok || !s.ok) throw new Error("expected leases");
    await store.commit(r.lease.token, 60_000);
    expect(await store.giveBack(r.lease.token)).toMatchObject({ released: false, lease: { status: "running" } });
    expect(await store.giveBack(s.lease.token)).toMatchObject({ released: true, lease: { status: "released" } });
    expect(await store.release(r.lease.token)).toMatchObject({ released: true });
  });
});

describe("reaping expired leases", () => {
  it("hands each expired lease to one reaper at a time, and back to another when the claim runs out", async () => {
    for (const id of ["r1", "r2", "r3"]) await store.reserve("n1", 10, req(id, 50));
    const live = await store.reserve("n1", 10, req("alive", 60_000));
    await sleep(150);
    const crashed = await store.claimExpired(10, 1_000);
    expect(crashed.map((l) => l.invocationId).sort()).toEqual(["r1", "r2", "r3"]);
    expect(crashed.every((l) => l.status === "expired" && l.claimedUntil > l.expiresAt)).toBe(true);
    expect(await other.claimExpired(10, 300)).toEqual([]);
    await sleep(1_200);
    const retaken = await other.claimExpired(2, 300);
    expect(retaken).toHaveLength(2);
    for (const l of retaken) expect(await other.forget(l.token)).toBe(true);
    const rest = await other.claimExpired(10, 300);
    expect(rest).toHaveLength(1);
    await other.forget(rest[0]!.token);
    expect(await other.forget(rest[0]!.token)).toBe(false);
    await sleep(350);
    expect(await store.claimExpired(10, 300)).toEqual([]);
    expect(live.ok && (await store.commit(live.lease.token, 1000)).status).toBe("running");
  });

  it("expires a lost node's leases now: its slots free and the reaper gets them", async () => {
    const a = await store.reserve("lost", 2, req("l1"));
    const b = await store.reserve("lost", 2, req("l2"));
    if (!a.ok || !b.ok) throw new Error("expected leases");
    await store.commit(b.lease.token, 60_000);
    expect(await store.expireNode("lost")).toBe(2);
    expect((await store.counters(["lost"])).get("lost")).toEqual({ reserved: 0, running: 0 });
    await rejectsWith(store.commit(a.lease.token, 1000), "lease_expired");
    await sleep(5);
    expect((await store.claimExpired(10, 1000)).map((l) => l.invocationId).sort()).toEqual(["l1", "l2"]);
    expect(await store.reserve("lost", 2, req("l3"))).toMatchObject({ ok: true });
  });
});

describe("loss of Redis state", () => {
  it("notices a flush and rebuilds the leases the log holds: no slot leaks, none forgotten, tokens keep growing", async () => {
    const leases: ActiveLease[] = [];
    for (const id of ["f1", "f2"]) {
      const r = await store.reserve("full", 2, req(id, 60_000));
      if (!r.ok) throw new Error("expected a lease");
      leases.push({ token: r.lease.token, nodeId: "full", invocationId: id, attempt: 1, state: "reserved", expiresAt: r.lease.expiresAt });
    }
    const overdue: ActiveLease = { token: "5", nodeId: "gone", invocationId: "f3", attempt: 2, state: "running", expiresAt: Date.now() - 1000 };
    const before = await store.epoch();
    await raw.flushall();
    await rejectsWith(store.reserve("full", 2, req("f9")), "lease_state_lost");
    expect(await store.epoch()).toBeNull();

    const rebuilt = await store.rebuild([...leases, overdue], { expectEpoch: null });
    expect(rebuilt).toMatchObject({ applied: true, leases: 3 });
    expect(rebuilt.epoch).not.toBe(before);
    expect((await store.counters(["full", "gone"])).get("full")).toEqual({ reserved: 2, running: 0 });
    expect(await store.reserve("full", 2, req("f9"))).toMatchObject({ ok: false, reason: "node_full" });
    expect(await store.reserve("full", 2, req("f1"))).toMatchObject({ ok: true, created: false, lease: { token: leases[0]!.token } });
    expect((await store.commit(leases[1]!.token, 60_000)).status).toBe("running");
    expect((await store.claimExpired(10, 1000)).map((l) => l.invocationId)).toEqual(["f3"]);
    const fresh = await store.reserve("n1", 2, req("after"));
    if (!fresh.ok) throw new Error("expected a lease");
    expect(BigInt(fresh.lease.token) > BigInt(leases[1]!.token)).toBe(true);
  });

  it("replaces what was there when rebuilding without a loss, and refuses a malformed active lease", async () => {
    await store.reserve("n1", 2, req("stale"));
    const r = await store.rebuild([{ token: "77", nodeId: "n2", invocationId: "kept", attempt: 1, state: "running", expiresAt: Date.now() + 60_000 }]);
    expect(r.applied).toBe(true);
    const counters = await store.counters(["n1", "n2"]);
    expect(counters.get("n1")).toEqual({ reserved: 0, running: 0 });
    expect(counters.get("n2")).toEqual({ reserved: 0, running: 1 });
    expect(await store.reserve("n1", 2, req("stale"))).toMatchObject({ ok: true, created: true });
    await rejectsWith(store.rebuild([{ token: "x", nodeId: "n1", invocationId: "i", attempt: 1, state: "reserved", expiresAt: 1 }]), "invalid_argument");
    expect(await store.rebuild([], { expectEpoch: "not-the-epoch" })).toMatchObject({ applied: false });
  });
});
