import type { PoolDefinition } from "../../../../../domain/events/pool.js";
import type { PoolSettings } from "../../../../../domain/pool/commands.js";
import type { PoolDoc } from "../../../../../domain/pool/index-docs.js";
import { pairKey } from "../../../../../domain/pool/languages.js";
import {
  byCodeUnit,
  generatedDefinition,
  generatedPoolId,
  isMember,
  languageSet,
  listedPairs,
  membershipRule,
  requiredLanguages,
  type PoolNode,
} from "../../../../../domain/pool/membership.js";

export type ComputedPool = Omit<PoolDoc, "kind">;

export interface PoolSetIndex {
  /** language → ids of the (not deregistered) nodes that advertise it, sorted. */
  readonly byLanguage: ReadonlyMap<string, readonly string[]>;
  /** service → ids of the nodes that offer it, sorted. */
  readonly byService: ReadonlyMap<string, readonly string[]>;
  /** node id → the pools it belongs to, in ring order. */
  readonly poolsOfNode: ReadonlyMap<string, readonly string[]>;
  /** `source>target` → pools that admit that listed pair, in ring order. */
  readonly poolsByPair: ReadonlyMap<string, readonly string[]>;
  /** Pools that admit any pair (but their blocked ones), in ring order. */
  readonly anyPairPools: readonly string[];
}

export interface PoolSet {
  /** Ring order: configured pools by id, then generated pools by id. */
  readonly pools: readonly ComputedPool[];
  readonly settings: PoolSettings;
  readonly index: PoolSetIndex;
}

const push = (m: Map<string, string[]>, k: string, v: string) => {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
};

/**
 * The reference the incremental pool index (`domain/pool/index-evolve.ts`) is checked
 * against: simple and slow, every pool computed from scratch over every node.
 *
 * Every pool with its members: the configured ones, and when `settings.autoGenerate` one per
 * distinct language set that a node advertises (`generatedPoolId`; a configured pool of the
 * same id wins). Membership follows `isMember`. Pure, and stable: the same inputs in any
 * order give the same output.
 */
export function computePools(
  definitions: Iterable<readonly [string, PoolDefinition]>,
  settings: PoolSettings,
  nodes: Iterable<PoolNode>,
): PoolSet {
  const live = [...nodes].filter((n) => n.state !== "deregistered").sort((a, b) => byCodeUnit(a.id, b.id));
  const configured = [...definitions].sort(([a], [b]) => byCodeUnit(a, b));
  const taken = new Set(configured.map(([id]) => id));
  const pools: ComputedPool[] = configured.map(([id, definition]) => {
    const rule = membershipRule(definition);
    return { id, definition, generated: false, languages: rule.languages, members: live.filter((n) => isMember(rule, n)).map((n) => n.id) };
  });
  if (settings.autoGenerate) {
    const sets = new Map<string, string[]>();
    for (const n of live) {
      const set = languageSet(n.capabilities.languages);
      if (set.length === 0) continue;
      const id = generatedPoolId(set);
      if (!taken.has(id)) sets.set(id, set);
    }
    for (const [id, set] of [...sets].sort(([a], [b]) => byCodeUnit(a, b))) {
      const definition = generatedDefinition(set);
      const rule = membershipRule(definition);
      pools.push({ id, definition, generated: true, languages: requiredLanguages(definition), members: live.filter((n) => isMember(rule, n)).map((n) => n.id) });
    }
  }
  return { pools, settings, index: indexPools(pools, live) };
}

function indexPools(pools: readonly ComputedPool[], live: readonly PoolNode[]): PoolSetIndex {
  const byLanguage = new Map<string, string[]>();
  const byService = new Map<string, string[]>();
  for (const n of live) {
    for (const l of new Set(n.capabilities.languages)) push(byLanguage, l, n.id);
    for (const s of new Set(n.capabilities.services)) push(byService, s, n.id);
  }
  const poolsOfNode = new Map<string, string[]>();
  const poolsByPair = new Map<string, string[]>();
  const anyPairPools: string[] = [];
  for (const p of pools) {
    for (const m of p.members) push(poolsOfNode, m, p.id);
    if (p.definition.languages.anyToAny) anyPairPools.push(p.id);
    for (const pair of listedPairs(p.definition)) push(poolsByPair, pairKey(pair), p.id);
  }
  return { byLanguage, byService, poolsOfNode, poolsByPair, anyPairPools };
}
