import { describe, expect, it } from "vitest";
import type { Decider } from "../../../../domain/decider.js";
import type { AggregateEvent, AggregateType } from "../../../../domain/events/catalog.js";
import type { RecordedEvent } from "../../../../domain/events/envelope.js";
import type { PoolDefinition } from "../../../../domain/events/pool.js";
import { nodeDecider, type NodeDeciderState } from "../../../../domain/node/decider.js";
import type { NodeCommand } from "../../../../domain/node/commands.js";
import { evolveNodeView, type NodeView } from "../../../../domain/node/view.js";
import { PoolSpec, type ChangePoolSettingsCommand, type PoolCommand } from "../../../../domain/pool/commands.js";
import { poolDecider, poolSettingsDecider } from "../../../../domain/pool/decider.js";
import { initialPoolIndex, type PoolIndexDoc } from "../../../../domain/pool/index-docs.js";
import { evolvePoolIndex } from "../../../../domain/pool/index-evolve.js";
import { readPoolIndex } from "../../../../domain/pool/index-read.js";
import { seededRng } from "../../../../domain/scheduling/random.js";
import { recorder } from "../../../support/recorded.js";
import { computePools } from "./oracle/compute-pools.js";
import { evolvePoolCatalog, emptyPoolCatalog } from "./oracle/pool-catalog.js";

const SERVICES = ["asr", "nmt", "tts"];
const LANGUAGES = ["en", "zh", "ja", "de", "pt_BR"];

function randomHistory(seed: number, steps: number): RecordedEvent[] {
  // Seeded, so a failing history can be replayed from its seed.
  const r = seededRng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const subset = (xs: readonly string[]) => xs.filter(() => r() < 0.45);
  const states = new Map<string, unknown>();
  const out: RecordedEvent[] = [];
  const run = <A extends AggregateType, C, S>(type: A, id: string, decider: Decider<C, S, AggregateEvent<A>>, command: C) => {
    const key = `${type}/${id}`;
    const state = (states.get(key) as S | undefined) ?? decider.initialState();
    let events: readonly AggregateEvent<A>[];
    try {
      events = decider.decide(command, state);
    } catch {
      return;
    }
    let next = state;
    for (const e of events) {
      next = decider.evolve(next, e);
      const seq = out.length + 1;
      const at = new Date(Date.UTC(2030, 0, 1) + seq * 1000).toISOString();
      out.push({
        ...e,
        meta: { eventId: `e${seq}`, type: e.type, schemaVersion: 1, aggregateType: type, aggregateId: id, occurredAt: at },
        position: { stream: "SPEAR_EVENTS", seq, subject: `spear.evt.${type}.${id}`, time: at },
      } as RecordedEvent);
    }
    states.set(key, next);
  };
  for (let i = 0; i < steps; i++) {
    const roll = r();
    const nodeId = `n${Math.floor(r() * 12)}`;
    const caps = { runtimes: ["wasm" as const], services: subset(SERVICES), languages: subset(LANGUAGES), labels: {} };
    if (roll < 0.45) {
      run("node", nodeId, nodeDecider, { type: "RegisterNode", nodeId, name: nodeId, capabilities: caps, capacity: { slots: 2 } });
    } else if (roll < 0.6) {
      run("node", nodeId, nodeDecider, { type: "UpdateNode", nodeId, capabilities: caps });
    } else if (roll < 0.7) {
      run("node", nodeId, nodeDecider, { type: "DeregisterNode", nodeId });
    } else if (roll < 0.85) {
      const poolId = pick(["p1", "p2", "p3", "auto-en_zh", "auto-en"]);
      const languages =
        r() < 0.3 ? { anyToAny: true } : { sources: subset(LANGUAGES), targets: subset(LANGUAGES), blocked: r() < 0.3 ? [{ source: "en", target: "zh" }] : [] };
      const spec = PoolSpec.parse({ name: poolId, requiredServices: subset(SERVICES), languages, matchMode: r() < 0.3 ? "exact" : "contains" });
      run("pool", poolId, poolDecider, { type: "DefinePool", poolId, spec });
    } else if (roll < 0.93) {
      const poolId = pick(["p1", "p2", "p3", "auto-en_zh", "auto-en"]);
      run("pool", poolId, poolDecider, { type: "RemovePool", poolId });
    } else {
      run("pool", "_settings", poolSettingsDecider, {
        type: "ChangePoolSettings",
        autoGenerate: r() < 0.6,
      });
    }
  }
  return out;
}

function foldIndex(events: readonly RecordedEvent[]): ReadonlyMap<string, PoolIndexDoc> {
  const docs = initialPoolIndex();
  for (const e of events) evolvePoolIndex(docs, e);
  return docs;
}

/** The reference: the node registry and the pool catalog folded, then every pool computed from scratch. */
function expected(events: readonly RecordedEvent[]) {
  const nodes = new Map<string, NodeView>();
  let catalog = emptyPoolCatalog;
  for (const e of events) {
    if (e.meta.aggregateType === "node") {
      const v = evolveNodeView(nodes.get(e.meta.aggregateId), e);
      if (v) nodes.set(e.meta.aggregateId, v);
    } else catalog = evolvePoolCatalog(catalog, e);
  }
  return computePools(catalog.definitions, catalog.settings, nodes.values());
}

describe("pool index", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])("equals the from-scratch reference over the same random history (seed %i)", (seed) => {
    const events = randomHistory(seed, 400);
    const got = readPoolIndex(foldIndex(events));
    const want = expected(events);
    expect(got.pools().map((p) => ({ id: p.id, generated: p.generated, members: p.members, definition: p.definition, languages: p.languages }))).toEqual(
      want.pools.map((p) => ({ id: p.id, generated: p.generated, members: p.members, definition: p.definition, languages: p.languages })),
    );
    expect(got.settings()).toEqual(want.settings);
    for (const [nodeId, pools] of want.index.poolsOfNode) expect(got.poolsOfNode(nodeId), nodeId).toEqual(pools);
    const index = got.index();
    expect(index.byLanguage).toEqual(Object.fromEntries(want.index.byLanguage));
    expect(index.byService).toEqual(Object.fromEntries(want.index.byService));
    expect(index.poolsByPair).toEqual(Object.fromEntries(want.index.poolsByPair));
    expect(index.anyPairPools).toEqual(want.index.anyPairPools);
  });

  it("covers generated, configured and exact pools across the seeds", () => {
    const all = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].flatMap((seed) => expected(randomHistory(seed, 400)).pools);
    expect(all.some((p) => p.generated && p.members.length > 1)).toBe(true);
    expect(all.some((p) => !p.generated && p.members.length > 0 && p.definition.matchMode === "exact")).toBe(true);
    expect(all.some((p) => !p.generated && p.id.startsWith("auto-"))).toBe(true);
  });

  it("keeps document keys valid for KV whatever the language", () => {
    const events = randomHistory(99, 300);
    for (const key of foldIndex(events).keys()) expect(key).toMatch(/^[-/=.\w]+$/);
  });
});

describe("pool index, by example", () => {
  const node = recorder("node");
  const pool = recorder("pool");
  const def = (spec: unknown): PoolDefinition => ({ ...PoolSpec.parse(spec), generated: false });
  const registered = (id: string, services: string[], languages: string[]) =>
    node(id, { type: "NodeRegistered", data: { name: id, capabilities: { runtimes: ["wasm"], services, languages, labels: {} }, capacity: { slots: 2 } } });
  const nodes = [
    registered("n3", ["asr"], ["en", "zh"]),
    registered("n1", ["asr", "tts"], ["en", "zh", "ja"]),
    registered("n2", [], ["en", "zh"]),
    node("n2", { type: "NodeLost", data: { lastSeenAt: null, timeoutMs: 15_000 } }),
    registered("n4", ["asr"], []),
    node("n4", { type: "NodeDeregistered", data: {} }),
  ];
  const pools = [
    pool("speech", { type: "PoolDefined", data: def({ name: "speech", requiredServices: ["asr"] }) }),
    pool("en-zh", { type: "PoolDefined", data: def({ name: "en→zh", languages: { sources: ["en"], targets: ["zh"] } }) }),
  ];
  const autoGenerate = pool("_settings", { type: "PoolSettingsChanged", data: { strict: false, autoGenerate: true, tenantOverrides: {} } });
  const listing = (docs: ReadonlyMap<string, PoolIndexDoc>) => readPoolIndex(docs).pools().map((p) => [p.id, p.generated, p.members]);

  it("lists configured pools in ring order with sorted members, whatever the order of the events", () => {
    const nodesFirst = foldIndex([...nodes, ...pools]);
    const [n3, n1, n2, n2Lost, n4, n4Gone] = nodes;
    const poolsFirst = foldIndex([...[...pools].reverse(), n4!, n4Gone!, n2!, n2Lost!, n1!, n3!]);
    expect(new Map(poolsFirst)).toEqual(new Map(nodesFirst));
    expect(listing(nodesFirst)).toEqual([
      ["en-zh", false, ["n1", "n2", "n3"]],
      ["speech", false, ["n1", "n3"]],
    ]);
  });

  it("generates one pool per advertised language set when asked, after the configured ones", () => {
    expect(listing(foldIndex([...nodes, ...pools, autoGenerate]))).toEqual([
      ["en-zh", false, ["n1", "n2", "n3"]],
      ["speech", false, ["n1", "n3"]],
      ["auto-en_ja_zh", true, ["n1"]],
      ["auto-en_zh", true, ["n1", "n2", "n3"]],
    ]);
  });

  it("lets a configured pool win over a generated one of the same id", () => {
    const taken = pool("auto-en_zh", { type: "PoolDefined", data: def({ name: "mine", requiredServices: ["tts"] }) });
    expect(listing(foldIndex([autoGenerate, ...nodes, taken]))).toEqual([
      ["auto-en_zh", false, ["n1"]],
      ["auto-en_ja_zh", true, ["n1"]],
    ]);
  });

  it("indexes nodes by language and service, and pools by node and by pair", () => {
    const read = readPoolIndex(foldIndex([...nodes, ...pools]));
    const index = read.index();
    expect(index.byLanguage.zh).toEqual(["n1", "n2", "n3"]);
    expect(index.byLanguage.ja).toEqual(["n1"]);
    expect(index.byService.asr).toEqual(["n1", "n3"]);
    expect(read.poolsOfNode("n1")).toEqual(["en-zh", "speech"]);
    expect(read.poolsOfNode("n4")).toEqual([]);
    expect(index.poolsByPair["en>zh"]).toEqual(["en-zh"]);
    expect(index.anyPairPools).toEqual(["speech"]);
  });
});
