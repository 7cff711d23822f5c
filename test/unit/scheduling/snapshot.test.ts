import { describe, expect, it } from "vitest";
import { isSpearError } from "../../../domain/errors.js";
import { PolicyState } from "../../../domain/scheduling/policy-state.js";
import { snapshotBuilder } from "../../../domain/scheduling/snapshot-builder.js";
import { createSnapshot, nodeOf, updateSnapshot, type RuntimeSnapshot } from "../../../domain/scheduling/snapshot.js";
import type { SchedulingNodeInput } from "../../../domain/scheduling/snapshot-node.js";
import { weightedAt, weightedLength, weightedOrder } from "../../../domain/scheduling/weighted-order.js";

const view = (id: string, extra: Partial<SchedulingNodeInput> = {}): SchedulingNodeInput => ({
  id,
  state: "online",
  healthy: true,
  capabilities: { runtimes: ["wasm"], services: [], languages: [], labels: {} },
  slots: 4,
  ...extra,
});

/** Node ids of a list of node numbers. */
const ids = (snap: RuntimeSnapshot, list: ArrayLike<number> | undefined) => Array.from(list ?? [], (i) => snap.table.nodes[i]?.id);

describe("runtime snapshot", () => {
  const base = () =>
    snapshotBuilder()
      .node("a", { warm: { "f@1": 1 } })
      .node("b", { warm: { "f@1": 4, "g@2": 1 } })
      .pool("p", ["a", "b"])
      .fn("f")
      .build(7);

  it("indexes warm instances per function version, most ready first", () => {
    const snap = base();
    expect(snap.seq).toBe(7);
    expect(ids(snap, snap.nodeIndex.warm.get("f@1"))).toEqual(["b", "a"]);
    expect(ids(snap, snap.nodeIndex.warm.get("g@2"))).toEqual(["b"]);
    expect(ids(snap, snap.nodeIndex.byRuntime.get("wasm"))).toEqual(["a", "b"]);
  });

  it("shares the pool index when only usage changed, and rebuilds the node index", () => {
    const prev = base();
    const next = updateSnapshot(prev, { seq: 8, upsertNodes: [view("a", { usage: { cpuPercent: 50, memoryPercent: 10, running: 2 } })] });
    expect(next.pools).toBe(prev.pools);
    expect(nodeOf(next, "a")?.running).toBe(2);
    expect(next.table.running[next.table.indexOf.get("a")!]).toBe(2);
    expect(ids(next, next.nodeIndex.warm.get("f@1"))).toEqual(["b"]);
    expect(nodeOf(prev, "a")?.running).toBe(0);
    expect(prev.table.running[prev.table.indexOf.get("a")!]).toBe(0);
    expect(next.seq).toBe(8);
  });

  it("rebuilds the pool index when a weight or the pools changed", () => {
    const prev = base();
    const reweighted = updateSnapshot(prev, { upsertNodes: [view("a", { weight: 3 })] });
    expect(reweighted.pools).not.toBe(prev.pools);
    expect(ids(reweighted, reweighted.pools.byId.get("p")?.weighted.order)).toEqual(["a", "b"]);
    const repooled = updateSnapshot(prev, { pools: [...prev.poolViews, { id: "q", definition: prev.poolViews[0]!.definition, members: ["b"] }] });
    expect(repooled.pools.ring.map((p) => p.id)).toEqual(["p", "q"]);
    const removed = updateSnapshot(prev, { removeNodes: ["a"] });
    expect([...removed.table.indexOf.keys()]).toEqual(["b"]);
    expect(nodeOf(removed, "a")).toBeUndefined();
    expect(removed.pools).toBe(prev.pools);
  });

  it("keeps node numbers when nodes change, appends new ones, and indexes pools that name them", () => {
    const prev = snapshotBuilder().node("a").pool("p", ["a", "late"]).fn("f").build();
    expect(ids(prev, prev.pools.byId.get("p")?.memberIdx)).toEqual(["a"]);
    const next = updateSnapshot(prev, { upsertNodes: [view("late"), view("a", { slots: 9 })] });
    expect(next.table.indexOf.get("a")).toBe(prev.table.indexOf.get("a"));
    expect(next.table.slots[next.table.indexOf.get("a")!]).toBe(9);
    expect(ids(next, next.pools.byId.get("p")?.memberIdx)).toEqual(["a", "late"]);
  });

  it("refuses a ring that names a pool twice", () => {
    const def = base().poolViews[0]!.definition;
    let thrown: unknown;
    try {
      createSnapshot({ nodes: [], pools: [{ id: "p", definition: def, members: [] }, { id: "p", definition: def, members: [] }], functions: [] });
    } catch (e) {
      thrown = e;
    }
    expect(isSpearError(thrown, "invalid_argument")).toBe(true);
  });
});

describe("weighted order", () => {
  it("visits in round r every node whose weight is at least r", () => {
    const weights = [1, 3, 2];
    const w = weightedOrder([0, 1, 2], (i) => weights[i]!);
    expect(weightedLength(w)).toBe(6);
    expect(Array.from({ length: 7 }, (_, i) => weightedAt(w, i))).toEqual([1, 2, 0, 1, 2, 1, 1]);
  });

  it("caps a weight at 100 times the smallest", () => {
    const w = weightedOrder([0, 1], (i) => (i === 0 ? 1 : 1_000_000));
    expect(weightedLength(w)).toBe(101);
  });
});

describe("policy state", () => {
  it("keeps cursors reduced to the size they turn over", () => {
    const s = new PolicyState();
    s.moveTo("rr:p", 13, 5);
    expect(s.cursor("rr:p")).toBe(3);
    expect(s.cursor("other")).toBe(0);
  });
});

describe("node table", () => {
  it("gives an id one node number even when it is listed twice, the last listing winning", () => {
    const snap = createSnapshot({ nodes: [view("a"), view("a", { slots: 2 })], pools: [], functions: [] });
    expect(snap.table.nodes).toHaveLength(1);
    expect(nodeOf(snap, "a")?.slots).toBe(2);
    const next = updateSnapshot(snap, { upsertNodes: [view("b"), view("b", { slots: 3 })] });
    expect(next.table.nodes).toHaveLength(2);
    expect(nodeOf(next, "b")?.slots).toBe(3);
  });
});
