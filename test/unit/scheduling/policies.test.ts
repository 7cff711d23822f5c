import { describe, expect, it } from "vitest";
import { snapshotBuilder } from "../../../domain/scheduling/snapshot-builder.js";
import type { PlacementPolicy } from "../../../domain/events/function.js";
import { given } from "./placement-spec.js";

/** One pool "p" of the given nodes and a function "f" with the policy under test. */
const onePool = (policy: PlacementPolicy, build: (b: ReturnType<typeof snapshotBuilder>) => ReturnType<typeof snapshotBuilder>, members: string[]) =>
  build(snapshotBuilder()).pool("p", members).fn("f", { policy });

/** An rng that replays the given draws, then repeats the last one. */
const draws = (...values: number[]) => {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
};

describe("round-robin", () => {
  it("gives consecutive calls to the members in turn", () => {
    const g = given(onePool("round-robin", (b) => b.nodes(["a", "b", "c"]), ["a", "b", "c"]));
    expect(g.firstOf("f", 5)).toEqual(["a", "b", "c", "a", "b"]);
  });

  it("lists the following members as the fallback candidates", () => {
    const g = given(onePool("round-robin", (b) => b.nodes(["a", "b", "c"]), ["a", "b", "c"]), { options: { maxCandidates: 3 } });
    g.when("f").thenCandidates(["a", "b", "c"]);
    g.when("f").thenCandidates(["b", "c", "a"]);
  });

  it("skips a full member and keeps turning over the others", () => {
    const g = given(onePool("round-robin", (b) => b.nodes(["a", "c"]).node("b", { running: 4, slots: 4 }), ["a", "b", "c"]));
    expect(g.firstOf("f", 4)).toEqual(["a", "c", "a", "c"]);
  });
});

describe("least-connections", () => {
  it("orders the members by running calls, fewest first", () => {
    const g = given(
      onePool("least-connections", (b) => b.node("a", { running: 3, slots: 8 }).node("b", { running: 1, slots: 8 }).node("c", { running: 2, slots: 8 }), ["a", "b", "c"]),
      { options: { maxCandidates: 3 } },
    );
    g.when("f").thenCandidates(["b", "c", "a"]);
  });

  it("shares equally idle members between calls instead of sending all to the first", () => {
    const g = given(onePool("least-connections", (b) => b.nodes(["a", "b", "c"]), ["a", "b", "c"]));
    expect(new Set(g.firstOf("f", 3))).toEqual(new Set(["a", "b", "c"]));
  });
});

describe("weighted round-robin", () => {
  it("gives a member of weight 3 three calls for each call of a member of weight 1, interleaved", () => {
    const g = given(onePool("weighted-round-robin", (b) => b.node("a", { weight: 3 }).node("b", { weight: 1 }), ["b", "a"]));
    expect(g.firstOf("f", 8)).toEqual(["a", "b", "a", "a", "a", "b", "a", "a"]);
  });

  it("reduces weights by their common divisor", () => {
    const g = given(onePool("weighted-round-robin", (b) => b.node("a", { weight: 60 }).node("b", { weight: 20 }), ["a", "b"]));
    expect(g.firstOf("f", 4)).toEqual(["a", "b", "a", "a"]);
  });

  it("skips a full member and still finds the others when most of the sequence is filtered out", () => {
    const full = { running: 4, slots: 4 };
    const g = given(onePool("weighted-round-robin", (b) => b.node("a", { weight: 100, ...full }).node("b", { weight: 100, ...full }).node("c", { weight: 1 }), ["a", "b", "c"]));
    expect(g.firstOf("f", 2)).toEqual(["c", "c"]);
  });
});

describe("load-aware", () => {
  it("orders by a weighted score of cpu, memory and slot use, lowest first", () => {
    const g = given(
      onePool("load-aware", (b) => b.node("a", { cpu: 80 }).node("b", { memory: 50 }).node("c", { running: 3, slots: 4 }), ["a", "b", "c"]),
      { options: { maxCandidates: 3 } },
    );
    // scores: a 0.4×0.8 = 0.32, b 0.3×0.5 = 0.15, c 0.3×0.75 = 0.225
    g.when("f").thenCandidates(["b", "c", "a"]);
  });

  it("takes the score weights as a parameter", () => {
    const g = given(
      onePool("load-aware", (b) => b.node("a", { cpu: 80 }).node("b", { memory: 50 }), ["a", "b"]),
      { options: { loadWeights: { cpu: 0, memory: 1, slots: 0 } } },
    );
    g.when("f").thenFirst("a");
  });
});

describe("warm-instance affinity", () => {
  const warmPool = () =>
    snapshotBuilder()
      .node("cold-busy", { running: 2 })
      .node("cold-idle")
      .node("warm-1", { warm: { "f@1": 1 }, running: 3 })
      .node("warm-3", { warm: { "f@1": 3 }, running: 3 })
      .node("warm-v2", { warm: { "f@2": 5 } })
      .node("warm-outside", { warm: { "f@1": 9 } })
      .pool("p", ["cold-busy", "cold-idle", "warm-1", "warm-3", "warm-v2"])
      .pool("q", ["warm-outside"])
      .fn("f", { policy: "warm-affinity" });

  it("puts the members with ready instances of this version first, most ready first, then the least loaded others", () => {
    const g = given(warmPool().tenant("t", ["p"]), { options: { maxCandidates: 4 } });
    g.when({ function: "f", tenant: "t" }).thenCandidates(["warm-3", "warm-1", "cold-idle", "warm-v2"]);
  });

  it("does not treat instances of another version as warm", () => {
    const g = given(warmPool().fn("f", { version: 2, active: false, policy: "warm-affinity" }).tenant("t", ["p"]), { options: { maxCandidates: 1 } });
    g.when({ function: "f", version: 2, tenant: "t" }).thenCandidates(["warm-v2"]);
  });

  it("passes over a warm member that is full", () => {
    const g = given(warmPool().node("warm-3", { warm: { "f@1": 3 }, running: 4, slots: 4 }).tenant("t", ["p"]), { options: { maxCandidates: 2 } });
    g.when({ function: "f", tenant: "t" }).thenCandidates(["warm-1", "cold-idle"]);
  });

  it("offers a warm node of another pool only from that pool", () => {
    const g = given(warmPool().tenant("t", ["p", "q"]), { options: { maxCandidates: 8 } });
    const w = g.when({ function: "f", tenant: "t" });
    w.thenCandidates(["warm-3", "warm-1", "cold-idle", "warm-v2", "cold-busy", "warm-outside"]);
    w.thenPools(["p", "p", "p", "p", "p", "q"]);
  });
});

describe("power of k choices", () => {
  const loaded = (b: ReturnType<typeof snapshotBuilder>) =>
    b.node("a", { cpu: 90 }).node("b", { cpu: 10 }).node("c", { cpu: 50 }).node("d", { cpu: 30 });

  it("samples k members and keeps the least loaded of them", () => {
    // draws 0.0 → a, 0.6 → c: c is less loaded than a
    const g = given(onePool("power-of-k", loaded, ["a", "b", "c", "d"]), { rng: draws(0.0, 0.6), options: { maxCandidates: 1, powerOfK: 2 } });
    g.when("f").thenCandidates(["c"]);
  });

  it("picks less loaded nodes far more often than loaded ones over many calls", () => {
    const g = given(onePool("power-of-k", loaded, ["a", "b", "c", "d"]), { options: { maxCandidates: 1, powerOfK: 2 } });
    const firsts = g.firstOf("f", 1000);
    const count = (id: string) => firsts.filter((f) => f === id).length;
    expect(count("b")).toBeGreaterThan(count("d"));
    expect(count("d")).toBeGreaterThan(count("c"));
    expect(count("c")).toBeGreaterThan(count("a"));
  });

  it("still finds the one free member when sampling keeps hitting full ones", () => {
    const full = { running: 4, slots: 4 };
    const g = given(onePool("power-of-k", (b) => b.nodes(["a", "b", "c"], full).node("d"), ["a", "b", "c", "d"]), { rng: draws(0.1) });
    g.when("f").thenCandidates(["d"]);
  });
});
