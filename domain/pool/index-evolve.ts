import type { RecordedEvent } from "../events/envelope.js";
import { POOL_SETTINGS_ID, type PoolDefinition } from "../events/pool.js";
import type { PoolSettings } from "./commands.js";
import {
  catalogOf,
  docOfKind,
  nodeDocOf,
  poolIndexKeys,
  poolOf,
  settingsOf,
  type PoolCatalogDoc,
  type PoolIndexDocs,
  type PoolNodeDoc,
} from "./index-docs.js";
import { byCodeUnit, generatedDefinition, generatedPoolId, isMember, languageSet, membershipRule, requiredLanguages } from "./membership.js";

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

function ringSort(docs: PoolIndexDocs, ids: Iterable<string>): string[] {
  const configured = new Set(catalogOf(docs).configured);
  return [...ids].sort((a, b) => (configured.has(a) ? 0 : 1) - (configured.has(b) ? 0 : 1) || byCodeUnit(a, b));
}

function* nodeDocs(docs: PoolIndexDocs): Generator<PoolNodeDoc> {
  for (const key of [...docs.keys()]) {
    if (!key.startsWith(poolIndexKeys.nodePrefix)) continue;
    const d = nodeDocOf(docs, key.slice(poolIndexKeys.nodePrefix.length));
    if (d) yield d;
  }
}

const asPoolNode = (n: Pick<PoolNodeDoc, "id" | "services" | "languages">) => ({ id: n.id, capabilities: { services: n.services, languages: n.languages } });

function setCatalog(docs: PoolIndexDocs, change: (c: PoolCatalogDoc) => PoolCatalogDoc): void {
  docs.set(poolIndexKeys.catalog, change(catalogOf(docs)));
}

function setNodePools(docs: PoolIndexDocs, id: string, change: (pools: readonly string[]) => Iterable<string>): void {
  const n = nodeDocOf(docs, id);
  if (n) docs.set(poolIndexKeys.node(id), { ...n, pools: ringSort(docs, change(n.pools)) });
}

function setMembers(docs: PoolIndexDocs, poolId: string, change: (members: readonly string[]) => readonly string[]): void {
  const p = poolOf(docs, poolId);
  if (p) docs.set(poolIndexKeys.pool(poolId), { ...p, members: change(p.members) });
}

function capability(docs: PoolIndexDocs, kind: "language" | "service", name: string, change: (nodes: readonly string[]) => readonly string[]): void {
  const key = kind === "language" ? poolIndexKeys.language(name) : poolIndexKeys.service(name);
  const nodes = change(docOfKind(docs, key, kind)?.nodes ?? []);
  if (nodes.length === 0) docs.delete(key);
  else docs.set(key, { kind, name, nodes });
}

/** Deletes a pool (configured or generated) and takes it off its members. */
function dropPool(docs: PoolIndexDocs, id: string): void {
  const p = poolOf(docs, id);
  if (!p) return;
  docs.delete(poolIndexKeys.pool(id));
  setCatalog(docs, (c) => ({ ...c, configured: without(c.configured, id), generated: without(c.generated, id) }));
  for (const m of p.members) setNodePools(docs, m, (pools) => without(pools, id));
}

/** Adds a pool and every node it admits (one scan of the nodes: pool changes are rare). */
function addPool(docs: PoolIndexDocs, id: string, definition: PoolDefinition): void {
  const rule = membershipRule(definition);
  let members: readonly string[] = [];
  for (const n of nodeDocs(docs)) if (isMember(rule, asPoolNode(n))) members = withItem(members, n.id);
  docs.set(poolIndexKeys.pool(id), { kind: "pool", id, definition, generated: definition.generated, languages: requiredLanguages(definition), members });
  setCatalog(docs, (c) => (definition.generated ? { ...c, generated: withItem(c.generated, id) } : { ...c, configured: withItem(c.configured, id) }));
  for (const m of members) setNodePools(docs, m, (pools) => [...pools, id]);
}

/** The generated pool of a language set exists while some node advertises exactly that set. */
function ensureGenerated(docs: PoolIndexDocs, languages: readonly string[]): void {
  const set = languageSet(languages);
  if (set.length === 0) return;
  const id = generatedPoolId(set);
  const c = catalogOf(docs);
  if (c.configured.includes(id) || c.generated.includes(id)) return;
  addPool(docs, id, generatedDefinition(set));
}

function dropGeneratedIfOrphan(docs: PoolIndexDocs, id: string): void {
  const p = poolOf(docs, id);
  if (!p?.generated || !p.languages) return;
  const key = p.languages.join("\u0000");
  const backed = p.members.some((m) => {
    const n = nodeDocOf(docs, m);
    return n !== undefined && languageSet(n.languages).join("\u0000") === key;
  });
  if (!backed) dropPool(docs, id);
}

const generatedIdOf = (languages: readonly string[]) => (languageSet(languages).length > 0 ? generatedPoolId(languages) : null);

/** A node joins, changes its capabilities (null: leaves). Costs the number of pools, not of nodes. */
function applyNode(docs: PoolIndexDocs, id: string, caps: { services: readonly string[]; languages: readonly string[] } | null): void {
  const old = nodeDocOf(docs, id);
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

function definePool(docs: PoolIndexDocs, id: string, definition: PoolDefinition): void {
  dropPool(docs, id);
  addPool(docs, id, { ...definition, generated: false });
}

function removePool(docs: PoolIndexDocs, id: string): void {
  if (!poolOf(docs, id) || poolOf(docs, id)?.generated) return;
  dropPool(docs, id);
  if (!settingsOf(docs).autoGenerate) return;
  for (const n of nodeDocs(docs)) {
    if (generatedIdOf(n.languages) === id) return ensureGenerated(docs, n.languages);
  }
}

function changeSettings(docs: PoolIndexDocs, settings: PoolSettings): void {
  const before = settingsOf(docs);
  docs.set(poolIndexKeys.settings, { kind: "settings", settings });
  if (settings.autoGenerate && !before.autoGenerate) for (const n of nodeDocs(docs)) ensureGenerated(docs, n.languages);
  if (!settings.autoGenerate && before.autoGenerate) for (const id of catalogOf(docs).generated) dropPool(docs, id);
}

/**
 * Folds one node or pool event into the pool index (others pass through): every pool with
 * its members, kept up to date incrementally so that a node event costs the number of pools,
 * not of nodes. The result is what folding the whole history from scratch would give (a unit
 * test checks it against such a reference over random histories).
 */
export function evolvePoolIndex(docs: PoolIndexDocs, event: RecordedEvent): void {
  const id = event.meta.aggregateId;
  switch (event.type) {
    case "NodeRegistered":
      return applyNode(docs, id, event.data.capabilities);
    case "NodeUpdated":
      if (event.data.capabilities && nodeDocOf(docs, id)) applyNode(docs, id, event.data.capabilities);
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
}
