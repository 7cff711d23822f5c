import { SpearError } from "../errors.js";
import type { PoolDefinition } from "../events/pool.js";
import type { LanguagePair } from "../ids.js";
import { pairAllowed, pairKey } from "../pool/languages.js";
import { listedPairs } from "../pool/membership.js";
import type { NodeTable } from "./node-table.js";
import { weightedOrder, type WeightedOrder } from "./weighted-order.js";

/** A pool as the control plane computed it: its definition and its member node ids. */
export interface PoolView {
  readonly id: string;
  readonly definition: PoolDefinition;
  readonly members: readonly string[];
}

export interface SnapshotPool {
  readonly id: string;
  /** Position in ring order, the order of fallback. */
  readonly ring: number;
  readonly definition: PoolDefinition;
  /** Member node ids as the control plane listed them. */
  readonly members: readonly string[];
  /** Member node numbers in the node table (members not in the table are left out). */
  readonly memberIdx: Int32Array;
  readonly memberSet: ReadonlySet<number>;
  readonly requiredServices: ReadonlySet<string>;
  readonly weighted: WeightedOrder;
}

/**
 * Pools in ring order with the lookups level 1 needs, so eligibility for a function costs
 * the size of the smallest matching list instead of a scan of every pool.
 */
export interface PoolIndex {
  readonly ring: readonly SnapshotPool[];
  readonly byId: ReadonlyMap<string, SnapshotPool>;
  /** service → pools that require it (so every member offers it), in ring order. */
  readonly byService: ReadonlyMap<string, readonly SnapshotPool[]>;
  /** `source>target` → pools that admit that listed pair (`listedPairs`), in ring order. */
  readonly byPair: ReadonlyMap<string, readonly SnapshotPool[]>;
  /** Pools that take any pair (except their blocked ones), in ring order. */
  readonly anyPair: readonly SnapshotPool[];
}

const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
};

export function indexPools(pools: readonly PoolView[], table: NodeTable): PoolIndex {
  const ring: SnapshotPool[] = [];
  const byId = new Map<string, SnapshotPool>();
  const byService = new Map<string, SnapshotPool[]>();
  const byPair = new Map<string, SnapshotPool[]>();
  const anyPair: SnapshotPool[] = [];
  for (const view of pools) {
    if (byId.has(view.id)) throw new SpearError("invalid_argument", `pool ${view.id} appears twice in the ring`, { poolId: view.id });
    const memberIdx = Int32Array.from(view.members.flatMap((id) => table.indexOf.get(id) ?? []));
    const pool: SnapshotPool = {
      id: view.id,
      ring: ring.length,
      definition: view.definition,
      members: view.members,
      memberIdx,
      memberSet: new Set(memberIdx),
      requiredServices: new Set(view.definition.requiredServices),
      weighted: weightedOrder(memberIdx, (i) => table.nodes[i]?.weight ?? 1),
    };
    ring.push(pool);
    byId.set(pool.id, pool);
    for (const s of pool.requiredServices) push(byService, s, pool);
    if (view.definition.languages.anyToAny) anyPair.push(pool);
    // A Set: languages are free text, so two listed pairs can share a key ("a>b" + "c", "a" + "b>c").
    else for (const key of new Set(listedPairs(view.definition).map(pairKey))) push(byPair, key, pool);
  }
  return { ring, byId, byService, byPair, anyPair };
}

const EMPTY: readonly SnapshotPool[] = [];

/** Two ring-ordered lists merged into one, still in ring order. */
function mergeByRing(a: readonly SnapshotPool[], b: readonly SnapshotPool[]): readonly SnapshotPool[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: SnapshotPool[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.ring < b[j]!.ring)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/**
 * The pools that can take a function, in ring order: every required service is required by
 * the pool (so each member offers it), and the language pair, when there is one, is allowed
 * by the pool's rules (`pairAllowed`, which also honours blocked pairs).
 */
export function eligiblePools(index: PoolIndex, services: readonly string[], pair: LanguagePair | undefined): readonly SnapshotPool[] {
  let base: readonly SnapshotPool[];
  if (pair) {
    base = mergeByRing(index.byPair.get(pairKey(pair)) ?? EMPTY, index.anyPair);
  } else if (services.length > 0) {
    base = index.ring;
    for (const s of services) {
      const list = index.byService.get(s) ?? EMPTY;
      if (list.length < base.length) base = list;
    }
  } else {
    return index.ring;
  }
  return base.filter((p) => poolFits(p, services, pair));
}

/** Whether one pool can take a function with these services and language pair. */
export const poolFits = (pool: SnapshotPool, services: readonly string[], pair: LanguagePair | undefined): boolean =>
  services.every((s) => pool.requiredServices.has(s)) && (pair === undefined || pairAllowed(pool.definition.languages, pair));
