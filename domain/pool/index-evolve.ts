import type { PoolDefinition } from "../events/pool.js";
import { POOL_SETTINGS_ID } from "../events/pool.js";
import { defaultPoolSettings, type PoolSettings } from "./commands.js";
import {
  byCodeUnit,
  generatedDefinition,
  generatedPoolId,
  isMember,
  languageSet,
  listedPairs,
  membershipRule,
  requiredLanguages,
} from "./membership.js";
import { pairKey } from "./languages.js";
import { subjects } from "../subjects.js";
import { streamNames } from "../../streams/catalog.js";
import type { DocWriter, Projection } from "../../projections/projection.js";

export interface PoolDoc {
  readonly kind: "pool";
  readonly id: string;
  readonly definition: PoolDefinition;
  readonly generated: boolean;
  /** The languages every member speaks (null: any-to-any, no condition). */
  readonly languages: readonly string[] | null;
  /** Member node ids, sorted. */
  readonly members: readonly string[];
}
/** A node's membership facts, for nodes that are not deregistered. */
export interface PoolNodeDoc {
  readonly kind: "node";
  readonly id: string;
  readonly services: readonly string[];
  readonly languages: readonly string[];
  /** In ring order. */
  readonly pools: readonly string[];
}
export interface PoolCatalogDoc {
  readonly kind: "catalog";
  readonly configured: readonly string[];
  readonly generated: readonly string[];
}
export interface PoolSettingsDoc {
  readonly kind: "settings";
  readonly settings: PoolSettings;
}
/** Nodes (not deregistered) that advertise one language or offer one service. */
export interface CapabilityDoc {
  readonly kind: "language" | "service";
  readonly name: string;
  readonly nodes: readonly string[];
}
export type PoolIndexDoc = PoolDoc | PoolNodeDoc | PoolCatalogDoc | PoolSettingsDoc | CapabilityDoc;

type Docs = Pick<DocWriter<PoolIndexDoc>, "get">;
type Writer = DocWriter<PoolIndexDoc>;

/** Languages and services are free text; anything outside the KV key alphabet is encoded. */
const keyPart = (s: string) => (/^[A-Za-z0-9_-]+$/.test(s) ? s : `=${Buffer.from(s, "utf8").toString("base64url")}`);
export const poolIndexKeys = {
  settings: "settings",
  catalog: "catalog",
  pool: (id: string) => `pool.${id}`,
  node: (id: string) => `node.${id}`,
  language: (l: string) => `language.${keyPart(l)}`,
  service: (s: string) => `service.${keyPart(s)}`,
};

const get = <K extends PoolIndexDoc["kind"]>(docs: Docs, key: string, kind: K) => {
  const d = docs.get(key);
  return d?.kind === kind ? (d as Extract<PoolIndexDoc, { kind: K }>) : undefined;
};
const catalogOf = (docs: Docs): PoolCatalogDoc => get(docs, poolIndexKeys.catalog, "catalog") ?? { kind: "catalog", configured: [], generated: [] };
const settingsOf = (docs: Docs): PoolSettings => get(docs, poolIndexKeys.settings, "settings")?.settings ?? defaultPoolSettings;
const poolOf = (docs: Docs, id: string) => get(docs, poolIndexKeys.pool(id), "pool");
const nodeOf = (docs: Docs, id: string) => get(docs, poolIndexKeys.node(id), "node");

function withItem(sorted: readonly string[], x: string): readonly string[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return sorted[lo] === x ? sorted : [...sorted.slice(0, lo), x, ...sorted.slice(lo)];
}
const without = (list: readonly string[], x: string): readonly string[] => (list.includes(x) ? list.filter((y) => y !== x) : list);

function ringSort(docs: Docs, ids: Iterable<string>): string[] {
  const configured = new Set(catalogOf(docs).configured);
  return [...ids].sort((a, b) => (configured.has(a) ? 0 : 1) - (configured.has(b) ? 0 : 1) || byCodeUnit(a, b));
}

function* nodeDocs(docs: Writer): Generator<PoolNodeDoc> {
  for (const key of [...docs.keys()]) {
    if (!key.startsWith("node.")) continue;
    const d = nodeOf(docs, key.slice("node.".length));
    if (d) yield d;
  }
}

const asPoolNode = (n: Pick<PoolNodeDoc, "id" | "services" | "languages">) => ({ id: n.id, capabilities: { services: n.services, languages: n.languages } });

function setCatalog(docs: Writer, change: (c: PoolCatalogDoc) => PoolCatalogDoc): void {
  docs.set(poolIndexKeys.catalog, change(catalogOf(docs)));
}

function setNodePools(docs: Writer, id: string, change: (pools: readonly string[]) => Iterable<string>): void {
  const n = nodeOf(docs, id);
  if (n) docs.set(poolIndexKeys.node(id), { ...n, pools: ringSort(docs, change(n.pools)) });
}

function setMembers(docs: Writer, poolId: string, change: (members: readonly string[]) => readonly string[]): void {
  const p = poolOf(docs, poolId);
  if (p) docs.set(poolIndexKeys.pool(poolId), { ...p, members: change(p.members) });
}

function capability(docs: Writer, kind: "language" | "service", name: string, change: (nodes: readonly string[]) => readonly string[]): void {
  const key = kind === "language" ? poolIndexKeys.language(name) : poolIndexKeys.service(name);
  const nodes = change(get(docs, key, kind)?.nodes ?? []);
  if (nodes.length === 0) docs.delete(key);
  else docs.set(key, { kind, name, nodes });
}

/** Deletes a pool (configured or generated) and takes it off its members. */
function dropPool(docs: Writer, id: string): void {
  const p = poolOf(docs, id);
  if (!p) return;
  docs.delete(poolIndexKeys.pool(id));
  setCatalog(docs, (c) => ({ ...c, configured: without(c.configured, id), generated: without(c.generated, id) }));
  for (const m of p.members) setNodePools(docs, m, (pools) => without(pools, id));
}

/** Adds a pool and every node it admits (one scan of the nodes: pool changes are rare). */
function addPool(docs: Writer, id: string, definition: PoolDefinition): void {
  const rule = membershipRule(definition);
  let members: readonly string[] = [];
  for (const n of nodeDocs(docs)) if (isMember(rule, asPoolNode(n))) members = withItem(members, n.id);
  docs.set(poolIndexKeys.pool(id), { kind: "pool", id, definition, generated: definition.generated, languages: requiredLanguages(definition), members });
  setCatalog(docs, (c) => (definition.generated ? { ...c, generated: withItem(c.generated, id) } : { ...c, configured: withItem(c.configured, id) }));
  for (const m of members) setNodePools(docs, m, (pools) => [...pools, id]);
}

/** The generated pool of a language set exists while some node advertises exactly that set. */
function ensureGenerated(docs: Writer, languages: readonly string[]): void {
  const set = languageSet(languages);
  if (set.length === 0) return;
  const id = generatedPoolId(set);
  const c = catalogOf(docs);
  if (c.configured.includes(id) || c.generated.includes(id)) return;
  addPool(docs, id, generatedDefinition(set));
}

function dropGeneratedIfOrphan(docs: Writer, id: string): void {
  const p = poolOf(docs, id);
  if (!p?.generated || !p.languages) return;
  const key = p.languages.join("\u0000");
  const backed = p.members.some((m) => {
    const n = nodeOf(docs, m);
    return n !== undefined && languageSet(n.languages).join("\u0000") === key;
  });
  if (!backed) dropPool(docs, id);
}

const generatedIdOf = (languages: readonly string[]) => (languageSet(languages).length > 0 ? generatedPoolId(languages) : null);

/** A node joins, changes its capabilities (null: leaves). Costs the number of pools, not of nodes. */
function applyNode(docs: Writer, id: string, caps: { services: readonly string[]; languages: readonly string[] } | null): void {
  const old = nodeOf(docs, id);
  if (old) {
    for (const p of old.pools) setMembers(docs, p, (m) => without(m, id));
    for (const l of new Set(old.languages)) capability(docs, "language", l, (n) => without(n, id));
    for (const s of new Set(old.services)) capability(docs, "service", s, (n) => without(n, id));
    docs.delete(poolIndexKeys.node(id));
  }
  if (caps) {
    const c = catalogOf(docs);
    const pools: string[] = [];
    for (const pid of [...c.configured, ...c.generated]) {
      const p = poolOf(docs, pid);
      if (p && isMember(membershipRule(p.definition), asPoolNode({ id, ...caps }))) pools.push(pid);
    }
    for (const p of pools) setMembers(docs, p, (m) => withItem(m, id));
    docs.set(poolIndexKeys.node(id), { kind: "node", id, services: [...caps.services], languages: [...caps.languages], pools });
    for (const l of new Set(caps.languages)) capability(docs, "language", l, (n) => withItem(n, id));
    for (const s of new Set(caps.services)) capability(docs, "service", s, (n) => withItem(n, id));
    if (settingsOf(docs).autoGenerate) ensureGenerated(docs, caps.languages);
  }
  const oldGenerated = old ? generatedIdOf(old.languages) : null;
  if (oldGenerated) dropGeneratedIfOrphan(docs, oldGenerated);
}

function definePool(docs: Writer, id: string, definition: PoolDefinition): void {
  dropPool(docs, id);
  addPool(docs, id, { ...definition, generated: false });
}

function removePool(docs: Writer, id: string): void {
  if (!poolOf(docs, id) || poolOf(docs, id)?.generated) return;
  dropPool(docs, id);
  if (!settingsOf(docs).autoGenerate) return;
  for (const n of nodeDocs(docs)) {
    if (generatedIdOf(n.languages) === id) return ensureGenerated(docs, n.languages);
  }
}

function changeSettings(docs: Writer, settings: PoolSettings): void {
  const before = settingsOf(docs);
  docs.set(poolIndexKeys.settings, { kind: "settings", settings });
  if (settings.autoGenerate && !before.autoGenerate) for (const n of nodeDocs(docs)) ensureGenerated(docs, n.languages);
  if (!settings.autoGenerate && before.autoGenerate) for (const id of catalogOf(docs).generated) dropPool(docs, id);
}

/**
 * Pools with their members, kept up to date as nodes and pools change: the same result as
 * `computePools` over the node registry and the pool events (a unit test folds random
 * histories both ways), but incremental, so a node event costs the number of pools.
 * It reads both aggregates from one subject filter, `spear.evt.>`, and ignores the rest.
 */
export const poolIndex: Projection<PoolIndexDoc> = {
  name: "pool-index",
  description: "pools with their members; nodes by language and service",
  stream: streamNames.events,
  subject: subjects.allEvents,
  initialState: () =>
    new Map<string, PoolIndexDoc>([
      [poolIndexKeys.settings, { kind: "settings", settings: defaultPoolSettings }],
      [poolIndexKeys.catalog, { kind: "catalog", configured: [], generated: [] }],
    ]),
  evolve(docs, event) {
    const id = event.meta.aggregateId;
    switch (event.type) {
      case "NodeRegistered":
        return applyNode(docs, id, event.data.capabilities);
      case "NodeUpdated":
        if (event.data.capabilities && nodeOf(docs, id)) applyNode(docs, id, event.data.capabilities);
        return;
      case "NodeDeregistered":
        return applyNode(docs, id, null);
      case "PoolDefined":
      case "PoolUpdated":
        if (id !== POOL_SETTINGS_ID) definePool(docs, id, event.data);
        return;
      case "PoolRemoved":
        return removePool(docs, id);
      case "PoolSettingsChanged":
        return changeSettings(docs, event.data);
      default:
        return;
    }
  },
};

/** Reading the projection's state (in memory or loaded from its KV bucket). */
export const readPoolIndex = (docs: ReadonlyMap<string, PoolIndexDoc>) => ({
  settings: () => settingsOf(docs),
  /** Ring order: configured by id, then generated by id. */
  pools: (): PoolDoc[] => {
    const c = catalogOf(docs);
    return [...c.configured, ...c.generated].map((id) => poolOf(docs, id)).filter((p): p is PoolDoc => p !== undefined);
  },
  pool: (id: string) => poolOf(docs, id),
  poolsOfNode: (nodeId: string): readonly string[] => nodeOf(docs, nodeId)?.pools ?? [],
  index: () => {
    const byLanguage: Record<string, string[]> = {};
    const byService: Record<string, string[]> = {};
    // defineProperty: a language named "__proto__" is data, not a prototype.
    for (const d of docs.values()) {
      if (d.kind === "language") Object.defineProperty(byLanguage, d.name, { value: [...d.nodes], enumerable: true });
      if (d.kind === "service") Object.defineProperty(byService, d.name, { value: [...d.nodes], enumerable: true });
    }
    const poolsByPair: Record<string, string[]> = {};
    const anyPairPools: string[] = [];
    const c = catalogOf(docs);
    for (const id of [...c.configured, ...c.generated]) {
      const p = poolOf(docs, id);
      if (!p) continue;
      if (p.definition.languages.anyToAny) anyPairPools.push(id);
      for (const pair of listedPairs(p.definition)) {
        const k = pairKey(pair);
        if (!Object.hasOwn(poolsByPair, k)) Object.defineProperty(poolsByPair, k, { value: [], enumerable: true });
        poolsByPair[k]!.push(id);
      }
    }
    return { byLanguage, byService, poolsByPair, anyPairPools };
  },
});
