import { describe, expect, it } from "vitest";
import { snapshotBuilder } from "../../../domain/scheduling/snapshot-builder.js";
import { given } from "./placement-spec.js";

/** Pool "p" of the named nodes (each built by the caller), function "f" placed round-robin. */
const cluster = (build: (b: ReturnType<typeof snapshotBuilder>) => ReturnType<typeof snapshotBuilder>, members: string[]) =>
  build(snapshotBuilder()).pool("p", members).fn("f", { policy: "round-robin" });

const all = { options: { maxCandidates: 8 } };

describe("level 2: node filter", () => {
  it("offers only online, healthy nodes: never draining, lost or unhealthy ones", () => {
    const g = given(
      cluster((b) => b.node("ok").node("draining", { state: "draining" }).node("lost", { state: "lost" }).node("sick", { healthy: false }), [
        "ok",
        "draining",
        "lost",
        "sick",
      ]),
      all,
    );
    g.when("f").thenCandidates(["ok"]);
  });

  it("passes over nodes with no free slot by the snapshot", () => {
    const g = given(cluster((b) => b.node("full", { running: 4, slots: 4 }).node("free", { running: 3, slots: 4 }), ["full", "free"]), all);
    g.when("f").thenCandidates(["free"]);
  });

  it("gates on memory by default and on cpu when asked, a node at the threshold still taking work", () => {
    const b = (s: ReturnType<typeof snapshotBuilder>) => s.node("hot", { cpu: 91 }).node("edge", { cpu: 90, memory: 90 }).node("swapping", { memory: 95 });
    given(cluster(b, ["hot", "edge", "swapping"]), all).when("f").thenCandidates(["hot", "edge"]);
    given(cluster(b, ["hot", "edge", "swapping"]), { options: { maxCandidates: 8, maxCpuPercent: 90 } })
      .when("f")
      .thenCandidates(["edge"]);
    given(cluster(b, ["hot", "edge", "swapping"]), { options: { maxCandidates: 8, maxCpuPercent: 95, maxMemoryPercent: 99 } })
      .when("f")
      .thenCandidates(["hot", "edge", "swapping"]);
  });

  it("checks the function's runtime, services and labels on every node", () => {
    const g = given(
      snapshotBuilder()
        .node("wasm-only", { services: ["asr"], labels: { zone: "a" } })
        .node("no-label", { runtimes: ["process"], services: ["asr"] })
        .node("no-asr", { runtimes: ["process"], labels: { zone: "a" } })
        .node("fits", { runtimes: ["wasm", "process"], services: ["asr", "tts"], labels: { zone: "a", gpu: "yes" } })
        // membership may lag a capability change, so the pool's own requirement is checked again per node
        .pool("p", ["wasm-only", "no-label", "no-asr", "fits"], { requiredServices: ["asr"] })
        .fn("f", { runtime: "process", labels: { zone: "a" }, services: ["asr"] }),
      all,
    );
    g.when("f").thenCandidates(["fits"]);
  });

  it("hands out at most maxCandidates nodes", () => {
    const g = given(cluster((b) => b.nodes(["a", "b", "c", "d", "e"]), ["a", "b", "c", "d", "e"]), { options: { maxCandidates: 2 } });
    g.when("f").thenCandidates(["a", "b"]);
  });

  it("offers a node that belongs to two pools once", () => {
    const g = given(
      snapshotBuilder().nodes(["a", "b"]).pool("p", ["a", "b"]).pool("q", ["b"]).fn("f", { policy: "round-robin" }).tenant("t", ["q", "p"]),
      all,
    );
    const w = g.when({ function: "f", tenant: "t" });
    w.thenCandidates(["b", "a"]);
    w.thenPools(["q", "p"]);
  });

  it("tags each candidate with the slots the reservation checks against", () => {
    const g = given(cluster((b) => b.node("a", { slots: 7 }), ["a"]));
    expect(g.when("f").placement().candidates).toEqual([{ nodeId: "a", poolId: "p", slots: 7 }]);
  });
});

describe("level 2: nodes of earlier attempts", () => {
  it("does not offer an excluded node (it failed the call) again while the attempt has not waited for another", () => {
    const g = given(cluster((b) => b.nodes(["a", "b", "c"]), ["a", "b", "c"]), all);
    g.when({ function: "f", exclude: ["a", "c"] }).thenCandidates(["b"]);
    g.when({ function: "f", exclude: new Set(["b"]) }).thenCandidates(["c", "a"]);
    const r = g.when({ function: "f", exclude: ["a", "b", "c"] }).thenRefused("no_capacity");
    expect(r.details.rejected).toEqual({ excluded: 3 });
  });

  it("offers excluded nodes when no other can take the call and the attempt has waited (reuseExcluded)", () => {
    const g = given(cluster((b) => b.nodes(["a", "b", "c"]), ["a", "b", "c"]), all);
    g.when({ function: "f", exclude: ["a", "b", "c"], reuseExcluded: true }).thenCandidates(["a", "b", "c"]);
    g.when({ function: "f", exclude: ["a"], reuseExcluded: true }).thenCandidates(["b", "c"]);
  });

  it("prefers a node to avoid over an excluded one", () => {
    const g = given(cluster((b) => b.nodes(["a", "b"]), ["a", "b"]), all);
    g.when({ function: "f", exclude: ["a"], avoid: ["b"], reuseExcluded: true }).thenCandidates(["b"]);
  });

  it("offers a node to avoid (it went away during an attempt) only when no other node can take the call", () => {
    const g = given(cluster((b) => b.nodes(["a", "b"]), ["a", "b"]), all);
    g.when({ function: "f", avoid: ["a"] }).thenCandidates(["b"]);
    g.when({ function: "f", avoid: ["a", "b"] }).thenCandidates(["a", "b"]);
  });

  it("offers a node to avoid first when the others are full by the snapshot", () => {
    const g = given(cluster((b) => b.node("a").node("b", { running: 4, slots: 4 }), ["a", "b"]), all);
    g.when({ function: "f", avoid: ["a"] }).thenCandidates(["a", "b"]);
  });

  it("still refuses with no_capacity when the nodes to avoid cannot take the call either", () => {
    const g = given(cluster((b) => b.node("a", { state: "draining" }).node("b", { state: "draining" }), ["a", "b"]));
    const r = g.when({ function: "f", avoid: ["a"] }).thenRefused("no_capacity");
    expect(r.details.rejected).toEqual({ draining: 2 });
  });

  it("offers the nodes the snapshot shows full, last, when no other can take the call: the reservation decides", () => {
    const g = given(cluster((b) => b.node("a", { running: 4, slots: 4 }).node("b", { running: 4, slots: 4 }).node("c", { state: "draining" }), ["a", "b", "c"]), all);
    g.when("f").thenCandidates(["a", "b"]);
  });
});

describe("level 2: spread", () => {
  const spreadCluster = () => cluster((b) => b.nodes(["a", "b", "c"]), ["a", "b", "c"]).session("s1", { preferredPool: "p", lastNode: "a" });

  it("puts the session's last node last when asked to spread", () => {
    given(spreadCluster(), all).when({ function: "f", sessionId: "s1", spread: true }).thenCandidates(["b", "c", "a"]);
  });

  it("leaves the order alone when not asked", () => {
    given(spreadCluster(), all).when({ function: "f", sessionId: "s1" }).thenCandidates(["a", "b", "c"]);
  });

  it("still uses the last node when it is the only one free", () => {
    const g = given(spreadCluster().nodes(["b", "c"], { running: 4, slots: 4 }), all);
    g.when({ function: "f", sessionId: "s1", spread: true }).thenCandidates(["a"]);
  });
});

describe("refusals", () => {
  it("refuses a function that is not in the snapshot, has no active version, or lacks the version asked for", () => {
    const g = given(snapshotBuilder().node("a").pool("p", ["a"]).fn("off", { active: false }).fn("f"));
    g.when("missing").thenRefused("function_not_found");
    g.when("off").thenRefused("function_inactive");
    g.when({ function: "f", version: 9 }).thenRefused("version_not_found");
  });

  it("refuses with function_requirements_unmet when every candidate node lacks what the function needs", () => {
    const g = given(snapshotBuilder().nodes(["a", "b"]).pool("p", ["a", "b"]).fn("f", { runtime: "container" }));
    const r = g.when("f").thenRefused("function_requirements_unmet");
    expect(r.details).toMatchObject({ pools: ["p"], examined: 2, rejected: { runtime: 2 } });
  });

  it("refuses with no_capacity when some node could run it but none can now", () => {
    const g = given(snapshotBuilder().node("a", { runtimes: ["process"] }).node("b", { state: "lost" }).pool("p", ["a", "b"]).fn("f"));
    const r = g.when("f").thenRefused("no_capacity");
    expect(r.details.rejected).toEqual({ runtime: 1, lost: 1 });
  });

  it("refuses with no_capacity when the eligible pools have no members yet", () => {
    given(snapshotBuilder().pool("p", []).fn("f")).when("f").thenRefused("no_capacity");
  });

  it("outside strict mode, goes to any capable node when the pools that fit cannot take the call", () => {
    const w = given(snapshotBuilder().node("outside").pool("empty", []).fn("f")).when("f");
    w.thenCandidates(["outside"]);
    w.thenPools([null]);
    w.thenBinding(null);
    given(snapshotBuilder().node("outside").pool("empty", []).strict().fn("f")).when("f").thenRefused("no_capacity");
  });

  it("reads only the snapshot: the same decision twice on a fresh state gives the same answer", () => {
    const snap = cluster((b) => b.nodes(["a", "b"]), ["a", "b"]).build();
    expect(given(snap).when("f").decision).toEqual(given(snap).when("f").decision);
  });
});
