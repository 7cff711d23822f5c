import { describe, expect, it } from "vitest";
import { fnv1a } from "../../../domain/scheduling/hash.js";
import { eligiblePools } from "../../../domain/scheduling/snapshot-pools.js";
import { snapshotBuilder } from "../../../domain/scheduling/snapshot-builder.js";
import { given } from "./placement-spec.js";

const zhEn = { source: "zh", target: "en" };
const jaEn = { source: "ja", target: "en" };
const koEn = { source: "ko", target: "en" };

/** Four pools in ring order p1..p4, one node each (n1..n4), every pool takes zh>en and ja>en. */
const ring = () =>
  snapshotBuilder()
    .nodes(["n1", "n2", "n3", "n4"])
    .pool("p1", ["n1"], { languages: { pairs: [zhEn, jaEn] } })
    .pool("p2", ["n2"], { languages: { pairs: [zhEn, jaEn] } })
    .pool("p3", ["n3"], { languages: { pairs: [zhEn, jaEn] } })
    .pool("p4", ["n4"], { languages: { pairs: [zhEn] } })
    .fn("translate", { langPair: zhEn });

/** A routing key that hashes to the given index among n pools. */
const keyFor = (index: number, n: number) => {
  for (let i = 0; ; i++) if (fnv1a(`key-${i}`) % n === index) return `key-${i}`;
};

describe("level 1: candidate pools from the function's requirements, via the index", () => {
  const snapshot = snapshotBuilder()
    .node("n")
    .pool("pairs", ["n"], { languages: { pairs: [zhEn] } })
    .pool("cross", ["n"], { languages: { sources: ["ja", "zh"], targets: ["en"] } })
    .pool("any", ["n"], { languages: { anyToAny: true, blocked: [zhEn] } })
    .pool("asr", ["n"], { requiredServices: ["asr"] })
    .pool("asr-tts", ["n"], { requiredServices: ["asr", "tts"], languages: { pairs: [jaEn] } })
    .build();
  const ids = (services: string[], pair?: { source: string; target: string }) =>
    eligiblePools(snapshot.pools, services, pair).map((p) => p.id);

  it("admits a pair listed by the pool, or a listed source with a listed target, and any-to-any pools unless blocked", () => {
    expect(ids([], zhEn)).toEqual(["pairs", "cross", "asr"]);
    expect(ids([], jaEn)).toEqual(["cross", "any", "asr", "asr-tts"]);
    expect(ids([], koEn)).toEqual(["any", "asr"]);
  });

  it("admits only pools that require every service the function needs, so each member offers it", () => {
    expect(ids(["asr"])).toEqual(["asr", "asr-tts"]);
    expect(ids(["asr", "tts"])).toEqual(["asr-tts"]);
    expect(ids(["asr", "tts"], jaEn)).toEqual(["asr-tts"]);
    expect(ids(["ocr"])).toEqual([]);
  });

  it("admits every pool, in ring order, when the function needs neither services nor a pair", () => {
    expect(ids([])).toEqual(["pairs", "cross", "any", "asr", "asr-tts"]);
  });

  it("leaves out a blocked pair of sources × targets, and lists a pool once when two of its pairs share a key", () => {
    const odd = snapshotBuilder()
      .node("n")
      .pool("cross", ["n"], { languages: { sources: ["ja", "zh"], targets: ["en"], blocked: [zhEn] } })
      .pool("gt", ["n"], { languages: { sources: ["a>b", "a"], targets: ["c", "b>c"] } })
      .build();
    const oddIds = (pair: { source: string; target: string }) => eligiblePools(odd.pools, [], pair).map((p) => p.id);
    expect(oddIds(zhEn)).toEqual([]);
    expect(oddIds(jaEn)).toEqual(["cross"]);
    expect(oddIds({ source: "a", target: "b>c" })).toEqual(["gt"]);
    expect(oddIds({ source: "a>b", target: "c" })).toEqual(["gt"]);
  });

  it("uses the request's language pair over the function's own", () => {
    const g = given(ring().pool("ko", ["n1"], { languages: { pairs: [koEn] } }));
    g.when({ function: "translate", langPair: koEn }).thenPools(["ko"]);
  });
});

describe("level 1: session affinity", () => {
  it("binds a session on first use to the pool its id hashes to, with the language pair", () => {
    const expected = ["p1", "p2", "p3", "p4"][fnv1a("s1") % 4]!;
    given(ring())
      .when({ function: "translate", sessionId: "s1", tenant: "acme" })
      .thenBinding({ kind: "bind", sessionId: "s1", poolId: expected, langPair: zhEn, tenant: "acme" });
  });

  it("keeps the bound pool while the pair holds, whatever the routing key says, and implies no event", () => {
    const g = given(ring().session("s1", { preferredPool: "p2", boundPair: zhEn }));
    const w = g.when({ function: "translate", sessionId: "s1", routingKey: keyFor(0, 4) });
    w.thenFirst("n2");
    w.thenBinding(null);
    expect(w.placement().preferredPool).toBe("p2");
  });

  it("keeps the binding when its pool is full and the call falls back to another pool", () => {
    const g = given(ring().node("n2", { running: 4, slots: 4 }).session("s1", { preferredPool: "p2", boundPair: zhEn }));
    const w = g.when({ function: "translate", sessionId: "s1" });
    w.thenPools(["p3", "p4", "p1"]);
    w.thenBinding(null);
  });

  it("rebinds when the session's language pair changed", () => {
    const g = given(ring().session("s1", { preferredPool: "p4", boundPair: zhEn }));
    const w = g.when({ function: "translate", sessionId: "s1", langPair: jaEn });
    const poolId = ["p1", "p2", "p3"][fnv1a("s1") % 3]!;
    w.thenBinding({ kind: "rebind", sessionId: "s1", poolId, previousPoolId: "p4", langPair: jaEn, reason: "lang_pair_changed" });
    w.thenPools([poolId, ...["p1", "p2", "p3"].filter((p) => p !== poolId)]);
  });

  it("rebinds a session whose pool was removed or no longer takes it", () => {
    const g = given(ring().session("s1", { preferredPool: "gone", boundPair: zhEn }));
    const w = g.when({ function: "translate", sessionId: "s1" });
    expect(w.placement().binding).toMatchObject({ kind: "rebind", previousPoolId: "gone", reason: "pool_ineligible" });
  });

  it("binds nothing for a call without a session", () => {
    given(ring()).when({ function: "translate", routingKey: "k" }).thenBinding(null);
  });
});

describe("level 1: tenant override", () => {
  it("confines the tenant to its pools, the first eligible one preferred, the others in its order", () => {
    const g = given(ring().tenant("acme", ["p4", "p2"]), { options: { maxCandidates: 8 } });
    g.when({ function: "translate", tenant: "acme", routingKey: keyFor(0, 4) }).thenPools(["p4", "p2"]);
    g.when({ function: "translate", tenant: "other", routingKey: keyFor(0, 4) }).thenPools(["p1", "p2", "p3", "p4"]);
  });

  it("skips override pools that cannot take the function", () => {
    const g = given(ring().tenant("acme", ["p4", "p2"]), { options: { maxCandidates: 8 } });
    g.when({ function: "translate", tenant: "acme", langPair: jaEn }).thenPools(["p2"]);
  });

  it("treats a tenant whose override pools all fail as having no eligible pool", () => {
    given(ring().tenant("acme", ["p4"]).strict()).when({ function: "translate", tenant: "acme", langPair: jaEn }).thenRefused("no_eligible_pool");
  });
});

describe("level 1: routing-key affinity and ring-order fallback", () => {
  it("sends every call with the same routing key to the same pool first", () => {
    const g = given(ring());
    const key = keyFor(2, 4);
    expect(new Set(g.firstOf({ function: "translate", routingKey: key }, 10))).toEqual(new Set(["n3"]));
  });

  it("spreads different routing keys over the pools", () => {
    const g = given(ring());
    const firsts = Array.from({ length: 200 }, (_, i) => g.when({ function: "translate", routingKey: `user-${i}` }).placement().preferredPool);
    for (const p of ["p1", "p2", "p3", "p4"]) expect(firsts.filter((f) => f === p).length).toBeGreaterThan(20);
  });

  it("falls back to the other eligible pools in ring order, starting after the preferred one", () => {
    const g = given(ring(), { options: { maxCandidates: 8 } });
    g.when({ function: "translate", routingKey: keyFor(2, 4) }).thenPools(["p3", "p4", "p1", "p2"]);
    g.when({ function: "translate", routingKey: keyFor(2, 3), langPair: jaEn }).thenPools(["p3", "p1", "p2"]);
  });

  it("rotates the preferred pool over calls that carry neither routing key nor session", () => {
    const g = given(ring());
    expect(Array.from({ length: 5 }, () => g.when("translate").placement().preferredPool)).toEqual(["p1", "p2", "p3", "p4", "p1"]);
  });
});

describe("level 1: strict mode", () => {
  it("refuses with no_eligible_pool when no pool fits and strict mode is on", () => {
    given(ring().strict()).when({ function: "translate", langPair: koEn }).thenRefused("no_eligible_pool");
  });

  it("otherwise places on any node that itself handles the pair and meets the requirements, outside the pools", () => {
    const g = given(
      ring()
        .node("ko1", { languages: ["ko", "en"] })
        .node("ko2", { languages: ["ko", "en"], runtimes: ["process"] })
        .node("ko3", { languages: ["ko"] }),
    );
    const w = g.when({ function: "translate", langPair: koEn, sessionId: "s1" });
    w.thenCandidates(["ko1"]);
    w.thenPools([null]);
    w.thenBinding(null);
  });
});

describe("level 1: a session's tenant", () => {
  it("applies the session's tenant override when the request names no tenant", () => {
    const g = given(ring().tenant("acme", ["p3"]).session("s1", { tenant: "acme" }), { options: { maxCandidates: 8 } });
    const w = g.when({ function: "translate", sessionId: "s1" });
    w.thenPools(["p3"]);
    w.thenBinding({ kind: "bind", sessionId: "s1", poolId: "p3", langPair: zhEn, tenant: "acme" });
  });
});
