import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Decider } from "../../../domain/decider.js";
import { SpearError, isSpearError } from "../../../domain/errors.js";
import type { AggregateEvent, DomainEvent, EventOf } from "../../../domain/events/catalog.js";
import { handleCommand } from "../../../streams/command-handler.js";
import type { Nats } from "../../../streams/connection.js";
import { EventStore } from "../../../streams/event-store.js";
import { ensureStreams } from "../../../streams/ensure.js";
import { defaultStreamSettings } from "../../../streams/catalog.js";
import { connectTest } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

const servers = useServers({ nats: true });
let nats: Nats;
let store: EventStore;

beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
  store = new EventStore(nats.js, nats.jsm);
});
afterAll(async () => nats?.nc.close());

const drained = (reason: string): EventOf<"NodeDrained"> => ({ type: "NodeDrained", data: { reason } });

describe("streams catalog", () => {
  it("creates the streams once and leaves them unchanged on the next start, updating what changed", async () => {
    const again = await ensureStreams(nats.jsm, defaultStreamSettings);
    expect(again.every((o) => o.action === "unchanged")).toBe(true);
    const changed = await ensureStreams(nats.jsm, { ...defaultStreamSettings, statusMaxAgeMs: 7_200_000 });
    expect(changed.find((o) => o.name === "SPEAR_STATUS")?.action).toBe("updated");
    expect(changed.filter((o) => o.action === "updated")).toHaveLength(1);
    await ensureStreams(nats.jsm, defaultStreamSettings);
  });
});

describe("event store", () => {
  it("appends with the expected version and reads the aggregate back in order", async () => {
    const agg = { type: "node", id: "es-order" } as const;
    const first = await store.append(agg, [drained("a")], { expectedVersion: 0 });
    const second = await store.append(agg, [drained("b"), drained("c")], { expectedVersion: first.version });
    const { events, version } = await store.read(agg);
    expect(version).toBe(second.version);
    expect(events.map((e) => (e.data as { reason: string }).reason)).toEqual(["a", "b", "c"]);
    expect(events.map((e) => e.position.seq)).toEqual([first.seqs[0], ...second.seqs]);
    expect(events.every((e) => e.meta.aggregateId === "es-order")).toBe(true);
  });

  it("refuses an append with a stale expected version with the typed conflict error", async () => {
    const agg = { type: "node", id: "es-stale" } as const;
    const v1 = await store.append(agg, [drained("first")], { expectedVersion: 0 });
    await store.append(agg, [drained("second")], { expectedVersion: v1.version });
    const err = await store.append(agg, [drained("late")], { expectedVersion: v1.version }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpearError);
    expect((err as SpearError).code).toBe("version_conflict");
    const zero = await store.append(agg, [drained("as-new")], { expectedVersion: 0 }).catch((e: unknown) => e);
    expect(isSpearError(zero, "version_conflict")).toBe(true);
    expect((await store.read(agg)).events).toHaveLength(2);
  });

  it("stores an event whose id was already stored only once", async () => {
    const agg = { type: "node", id: "es-dup" } as const;
    const a = await store.append(agg, [drained("x")], { expectedVersion: 0, eventIds: ["evt-dup-1"] });
    // A retry of the same append (say after a lost ack) carries the same id and a now-stale version.
    const b = await store.append(agg, [drained("x")], { expectedVersion: 0, eventIds: ["evt-dup-1"] });
    expect(b.duplicates).toEqual([true]);
    expect(b.seqs).toEqual(a.seqs);
    const { events } = await store.read(agg);
    expect(events).toHaveLength(1);
    expect(events[0]!.meta.eventId).toBe("evt-dup-1");
  });

  it("reads a long history (past the direct-get limit) completely and in order", async () => {
    const agg = { type: "node", id: "es-long" } as const;
    let version = 0;
    for (let i = 0; i < 150; i++) {
      version = (await store.append(agg, [drained(`d${i}`)], { expectedVersion: version })).version;
      // Interleave another aggregate so the subject's sequences are not contiguous.
      await store.append({ type: "node", id: "es-other" }, [drained("x")], { expectedVersion: "any" });
    }
    const read = await store.read(agg);
    expect(read.version).toBe(version);
    expect(read.events.map((e) => (e.data as { reason: string }).reason)).toEqual(Array.from({ length: 150 }, (_, i) => `d${i}`));
  });

  it("reads an aggregate with no events as empty at version 0 without waiting", async () => {
    const started = Date.now();
    expect(await store.read({ type: "node", id: "never-written" })).toEqual({ events: [], version: 0, skipped: 0 });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("a junk message on an aggregate's subject", () => {
  it("is left out of the history and dead-lettered once with its reason; the aggregate stays usable", async () => {
    const agg = { type: "node", id: "es-junk" } as const;
    const first = await store.append(agg, [drained("a")], { expectedVersion: 0 });
    await nats.js.publish("spear.evt.node.es-junk", "not an event", { msgID: "es-junk-1" });
    const read = await store.read(agg);
    expect(read.events.map((e) => e.type)).toEqual(["NodeDrained"]);
    expect(read.skipped).toBe(1);
    expect(read.version).toBeGreaterThan(first.version);
    const next = await handleCommand(store, agg, { initialState: () => 0, evolve: (n) => n + 1, decide: () => [drained("b")] }, {});
    expect(next.events).toHaveLength(1);
    await store.read(agg);
    const dlq = await nats.jsm.streams.info("SPEAR_DLQ", { subjects_filter: "spear.dlq.events.>" });
    expect(dlq.state.subjects).toEqual({ "spear.dlq.events.node": 1 });
  });
});

describe("command handler", () => {
  // A counter that refuses to pass 3 drains: enough to see decide run against fresh state.
  type State = { drains: number };
  const limited: Decider<{ reason: string }, State, AggregateEvent<"node">> = {
    initialState: () => ({ drains: 0 }),
    evolve: (s, e) => (e.type === "NodeDrained" ? { drains: s.drains + 1 } : s),
    decide: (c, s) => {
      if (s.drains >= 3) throw new SpearError("invalid_argument", "at most 3 drains");
      return [drained(c.reason)];
    },
  };

  it("retries on conflict and decides again against the newer history", async () => {
    const agg = { type: "node", id: "ch-race" } as const;
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => handleCommand(store, agg, limited, { reason: `r${i}` }, { maxAttempts: 10 })),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r) => r.status === "rejected");
    expect(ok).toHaveLength(3);
    expect(refused.every((r) => isSpearError((r as PromiseRejectedResult).reason, "invalid_argument"))).toBe(true);
    expect((await store.read(agg)).events).toHaveLength(3);
  });
});
