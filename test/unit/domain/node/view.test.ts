import { describe, expect, it } from "vitest";
import type { DomainEvent } from "../../../../domain/events/catalog.js";
import type { RecordedEvent } from "../../../../domain/events/envelope.js";
import { judgedAt, livenessVerdicts, nextLossAt } from "../../../../domain/node/liveness.js";
import { evolveNodeUsage, lastHeardAt, withUsage, type NodeUsageView } from "../../../../domain/node/usage.js";
import { evolveNodeView, type NodeView } from "../../../../domain/node/view.js";
import { recorder } from "../../../support/recorded.js";

const caps = { runtimes: ["wasm" as const], services: [], languages: ["en"], labels: {} };
const fold = (events: RecordedEvent[]) => events.reduce<NodeView | undefined>(evolveNodeView, undefined);
const report = (at: string, running = 1): DomainEvent => ({
  type: "NodeStatusReported",
  data: {
    reportSeq: 1,
    at,
    usage: { cpuPercent: 10, memoryMb: 100, memoryPercent: 5, load1: 0.1, running, slots: 4 },
    instances: [{ function: "echo", version: 1, ready: 1, busy: running, total: 1 + running }],
    transitions: [],
    outcomes: [],
    draining: false,
  },
});

describe("node view", () => {
  it("follows registration, update, drain, loss, recovery and deregistration", () => {
    const r = recorder("node");
    const events = [
      r("n1", { type: "NodeRegistered", data: { name: "n1", capabilities: caps, capacity: { slots: 4 } } }),
      r("n1", { type: "NodeUpdated", data: { capacity: { slots: 8 } } }),
      r("n1", { type: "NodeDrained", data: { reason: "upgrade" } }),
    ];
    const draining = fold(events)!;
    expect(draining).toMatchObject({ id: "n1", state: "draining", drainReason: "upgrade", capacity: { slots: 8 }, version: 3 });
    expect(draining.registeredAt).toBe("2030-01-01T00:00:00.000Z");

    events.push(r("n1", { type: "NodeLost", data: { lastSeenAt: "2030-01-01T00:00:01.500Z", timeoutMs: 15_000 } }));
    expect(fold(events)).toMatchObject({ state: "lost", draining: true, lost: true, lastSeenAt: "2030-01-01T00:00:01.500Z" });

    events.push(r("n1", { type: "NodeRecovered", data: { seenAt: "2030-01-01T00:00:09.000Z" } }));
    expect(fold(events)).toMatchObject({ state: "draining", lost: false, lastSeenAt: "2030-01-01T00:00:09.000Z" });

    events.push(r("n1", { type: "NodeUndrained", data: {} }));
    const online = fold(events)!;
    expect(online.state).toBe("online");
    expect(online).not.toHaveProperty("drainReason");

    events.push(r("n1", { type: "NodeDeregistered", data: {} }));
    expect(fold(events)).toMatchObject({ state: "deregistered", deregisteredAt: expect.any(String) });

    events.push(r("n1", { type: "NodeRegistered", data: { name: "again", capabilities: caps, capacity: { slots: 2 } } }));
    expect(fold(events)).toMatchObject({ state: "online", name: "again", deregisteredAt: null, lastSeenAt: null });
  });

  it("ignores events of a node it never saw registered", () => {
    const r = recorder("node");
    expect(fold([r("n1", { type: "NodeDrained", data: {} })])).toBeUndefined();
  });

  it("keeps the latest status report in stream order as usage, timed by the server", () => {
    const r = recorder("node", "2030-01-01T00:00:00.000Z", "SPEAR_STATUS");
    const usage = [r("n1", report("2030-01-01T00:00:00.000Z", 1)), r("n1", report("2029-12-31T23:59:59.000Z", 3))].reduce<NodeUsageView | undefined>(
      evolveNodeUsage,
      undefined,
    )!;
    expect(usage).toMatchObject({ nodeId: "n1", receivedAt: "2030-01-01T00:00:01.000Z", reportedAt: "2029-12-31T23:59:59.000Z", seq: 2 });
    expect(usage.usage.running).toBe(3);
  });

  it("joins usage into a detail whose lastHeardAt is the newest sign of life", () => {
    const r = recorder("node");
    const node = fold([r("n1", { type: "NodeRegistered", data: { name: "n1", capabilities: caps, capacity: { slots: 4 } } })])!;
    expect(lastHeardAt(node, undefined)).toBe(node.registeredAt);
    const s = recorder("node", "2030-01-01T00:01:00.000Z", "SPEAR_STATUS");
    const usage = evolveNodeUsage(undefined, s("n1", report("2030-01-01T00:01:00.000Z")))!;
    expect(withUsage(node, usage)).toMatchObject({ usage, lastHeardAt: "2030-01-01T00:01:00.000Z" });
  });
});

describe("liveness verdicts", () => {
  const r = recorder("node");
  const reg = (id: string) => r(id, { type: "NodeRegistered", data: { name: id, capabilities: caps, capacity: { slots: 1 } } }, "2030-01-01T00:00:00.000Z");
  const s = recorder("node", "2030-01-01T00:00:00.000Z", "SPEAR_STATUS");
  const t0 = Date.parse("2030-01-01T00:00:00.000Z");
  const usageAt = (id: string, at: string) => evolveNodeUsage(undefined, s(id, report(at), at))!;

  it("declares lost a node not heard of for longer than the timeout, reported or not", () => {
    const silent = evolveNodeView(undefined, reg("silent"))!;
    const reporting = evolveNodeView(undefined, reg("reporting"))!;
    const usage = new Map([["reporting", usageAt("reporting", "2030-01-01T00:00:10.000Z")]]);
    const verdicts = livenessVerdicts({ nodes: [silent, reporting], usage, now: t0 + 16_000, timeoutMs: 15_000 });
    expect(verdicts).toEqual([{ type: "MarkNodeLost", nodeId: "silent", lastSeenAt: null, timeoutMs: 15_000 }]);
    const later = livenessVerdicts({ nodes: [reporting], usage, now: t0 + 25_001, timeoutMs: 15_000 });
    expect(later).toEqual([{ type: "MarkNodeLost", nodeId: "reporting", lastSeenAt: "2030-01-01T00:00:10.000Z", timeoutMs: 15_000 }]);
  });

  it("recovers a lost node on a fresh report newer than the one known at its loss", () => {
    const lost = evolveNodeView(evolveNodeView(undefined, reg("n1")), r("n1", { type: "NodeLost", data: { lastSeenAt: "2030-01-01T00:00:10.000Z", timeoutMs: 15_000 } }))!;
    const same = new Map([["n1", usageAt("n1", "2030-01-01T00:00:10.000Z")]]);
    expect(livenessVerdicts({ nodes: [lost], usage: same, now: t0 + 11_000, timeoutMs: 15_000 })).toEqual([]);
    const newer = new Map([["n1", usageAt("n1", "2030-01-01T00:00:40.000Z")]]);
    expect(livenessVerdicts({ nodes: [lost], usage: newer, now: t0 + 41_000, timeoutMs: 15_000 })).toEqual([
      { type: "MarkNodeRecovered", nodeId: "n1", seenAt: "2030-01-01T00:00:40.000Z" },
    ]);
    expect(livenessVerdicts({ nodes: [lost], usage: newer, now: t0 + 60_000, timeoutMs: 15_000 })).toEqual([]);
  });

  it("counts silence from the end of the judge's own outage: NATS away declares no node lost", () => {
    const n = evolveNodeView(undefined, reg("n1"))!;
    const usage = new Map([["n1", usageAt("n1", "2030-01-01T00:00:10.000Z")]]);
    const reconnected = t0 + 20_000;
    expect(livenessVerdicts({ nodes: [n], usage, now: t0 + 30_000, timeoutMs: 15_000, heardFrom: reconnected })).toEqual([]);
    expect(nextLossAt({ nodes: [n], usage, timeoutMs: 15_000, heardFrom: reconnected })).toBe(reconnected + 15_001);
    expect(livenessVerdicts({ nodes: [n], usage, now: reconnected + 15_001, timeoutMs: 15_000, heardFrom: reconnected })).toEqual([
      { type: "MarkNodeLost", nodeId: "n1", lastSeenAt: "2030-01-01T00:00:10.000Z", timeoutMs: 15_000 },
    ]);
  });

  it("leaves deregistered nodes alone", () => {
    const gone = evolveNodeView(evolveNodeView(undefined, reg("n1")), r("n1", { type: "NodeDeregistered", data: {} }))!;
    expect(livenessVerdicts({ nodes: [gone], usage: new Map(), now: t0 + 3_600_000, timeoutMs: 15_000 })).toEqual([]);
  });
});

describe("next loss", () => {
  it("is the earliest moment a live node times out", () => {
    const r = recorder("node");
    const a = evolveNodeView(undefined, r("a", { type: "NodeRegistered", data: { name: "a", capabilities: caps, capacity: { slots: 1 } } }, "2030-01-01T00:00:00.000Z"))!;
    const b = evolveNodeView(undefined, r("b", { type: "NodeRegistered", data: { name: "b", capabilities: caps, capacity: { slots: 1 } } }, "2030-01-01T00:00:05.000Z"))!;
    const t0 = Date.parse("2030-01-01T00:00:00.000Z");
    expect(nextLossAt({ nodes: [a, b], usage: new Map(), timeoutMs: 1_000 })).toBe(t0 + 1_001);
    const lostA = evolveNodeView(a, r("a", { type: "NodeLost", data: { lastSeenAt: null, timeoutMs: 1_000 } }))!;
    expect(nextLossAt({ nodes: [lostA, b], usage: new Map(), timeoutMs: 1_000 })).toBe(t0 + 6_001);
    expect(nextLossAt({ nodes: [lostA], usage: new Map(), timeoutMs: 1_000 })).toBeNull();
  });
});

describe("the moment silence is judged at", () => {
  const stallMs = 5_000;

  it("is the clock when every report has been read, and the last report read while behind the log", () => {
    const clock = Date.parse("2030-01-01T00:01:00.000Z");
    expect(judgedAt(clock, { pending: 0, lastTime: clock - 4_000, foldedAt: clock - 10 }, stallMs)).toBe(clock);
    expect(judgedAt(clock, { pending: 0 }, stallMs)).toBe(clock);
    // 20 s behind with reports unread: a node silent for 16 s by the clock is silent for 0 s as read.
    expect(judgedAt(clock, { pending: 5_000, lastTime: clock - 20_000, foldedAt: clock - 10 }, stallMs)).toBe(clock - 20_000);
    expect(judgedAt(clock, { pending: 3 }, stallMs)).toBe(clock);
  });

  it("is the clock again when a feed that claims pending reports delivers nothing for the stall time", () => {
    const clock = Date.parse("2030-01-01T00:01:00.000Z");
    expect(judgedAt(clock, { pending: 7, lastTime: clock - 30_000, foldedAt: clock - 4_999 }, stallMs)).toBe(clock - 30_000);
    expect(judgedAt(clock, { pending: 7, lastTime: clock - 30_000, foldedAt: clock - 5_000 }, stallMs)).toBe(clock);
  });

  it("keeps liveness from declaring lost a node whose reports the projector has not read yet", () => {
    const r = recorder("node");
    const t0 = Date.parse("2030-01-01T00:00:00.000Z");
    const node = evolveNodeView(undefined, r("a", { type: "NodeRegistered", data: { name: "a", capabilities: caps, capacity: { slots: 1 } } }, "2030-01-01T00:00:00.000Z"))!;
    const usage = new Map([["a", evolveNodeUsage(undefined, r("a", report("2030-01-01T00:00:01.000Z"), "2030-01-01T00:00:01.000Z"))!]]);
    const clock = t0 + 30_000;
    const behind = judgedAt(clock, { pending: 800, lastTime: t0 + 10_000, foldedAt: clock - 20 }, stallMs);
    expect(livenessVerdicts({ nodes: [node], usage, now: behind, timeoutMs: 15_000 })).toEqual([]);
    const caughtUp = judgedAt(clock, { pending: 0, lastTime: t0 + 10_000, foldedAt: clock - 20 }, stallMs);
    expect(livenessVerdicts({ nodes: [node], usage, now: caughtUp, timeoutMs: 15_000 })).toHaveLength(1);
  });
});
