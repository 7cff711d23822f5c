import { createHash } from "node:crypto";
import type { PoolDefinition } from "../events/pool.js";
import type { LanguagePair } from "../ids.js";
import { pairAllowed } from "./languages.js";

/** What membership needs of a node (a `NodeView` fits). */
export interface PoolNode {
  readonly id: string;
  readonly state?: string;
  readonly capabilities: { readonly services: readonly string[]; readonly languages: readonly string[] };
}

/**
 * The pairs a pool admits that can be listed: every source × target and every listed pair,
 * minus the blocked ones (checked with `pairAllowed`, the rule the scheduler uses). An
 * any-to-any pool admits pairs that cannot be listed; this returns only its listed ones.
 */
export function listedPairs(def: PoolDefinition): LanguagePair[] {
  const seen = new Map<string, LanguagePair>();
  const add = (p: LanguagePair) => {
    const key = `${p.source}\u0000${p.target}`;
    if (!seen.has(key) && pairAllowed(def.languages, p)) seen.set(key, { source: p.source, target: p.target });
  };
  for (const source of def.languages.sources) for (const target of def.languages.targets) add({ source, target });
  for (const p of def.languages.pairs) add(p);
  return [...seen.values()];
}

/**
 * The languages a member must speak: every language of a pair the pool admits. `null` for an
 * any-to-any pool, which puts no language condition on its members (the scheduler checks the
 * request's pair against each node).
 */
export function requiredLanguages(def: PoolDefinition): string[] | null {
  if (def.languages.anyToAny) return null;
  const langs = new Set<string>();
  for (const p of listedPairs(def)) {
    langs.add(p.source);
    langs.add(p.target);
  }
  return [...langs].sort(byCodeUnit);
}

const sameSet = (required: readonly string[], offered: ReadonlySet<string>) =>
  offered.size === new Set(required).size && required.every((x) => offered.has(x));
const subset = (required: readonly string[], offered: ReadonlySet<string>) => required.every((x) => offered.has(x));

/** A pool's membership rule, prepared once so that checking a node costs its few sets. */
export interface MembershipRule {
  readonly services: readonly string[];
  /** null: no language condition. */
  readonly languages: readonly string[] | null;
  readonly exact: boolean;
}

export const membershipRule = (def: PoolDefinition): MembershipRule => ({
  services: [...new Set(def.requiredServices)],
  languages: requiredLanguages(def),
  exact: def.matchMode === "exact",
});

/**
 * Whether a node belongs to a pool. Deregistered nodes belong nowhere; online, draining and
 * lost nodes keep their places (the scheduler filters on state). With `matchMode`:
 * - `contains`: the node offers every required service and speaks every required language
 *   (it may offer more);
 * - `exact`: the node's services are exactly the required ones and, unless the pool is
 *   any-to-any, its languages exactly the required ones: a dedicated pool.
 * A pool whose language rules admit no pair at all has no members.
 */
export function isMember(rule: MembershipRule, node: PoolNode): boolean {
  if (node.state === "deregistered") return false;
  const services = new Set(node.capabilities.services);
  const match = rule.exact ? sameSet : subset;
  if (!match(rule.services, services)) return false;
  if (rule.languages === null) return true;
  if (rule.languages.length === 0) return false;
  return match(rule.languages, new Set(node.capabilities.languages));
}

/** Sorting by UTF-16 code units: the same order in every process, whatever the locale. */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A node's language set as auto-generation sees it: distinct and sorted. */
export const languageSet = (languages: readonly string[]): string[] => [...new Set(languages)].sort(byCodeUnit);

const plainLanguage = /^[A-Za-z0-9-]+$/;

/**
 * The id of the pool generated for a language set: `auto-en_zh` when every language is
 * plain (letters, digits, '-') and the id fits in 64 characters, else `auto-_` and 16 hex
 * digits of the set's sha256. The two forms cannot collide (a plain language never starts
 * with '_').
 */
export function generatedPoolId(languages: readonly string[]): string {
  const set = languageSet(languages);
  const plain = `auto-${set.join("_")}`;
  if (set.every((l) => plainLanguage.test(l)) && plain.length <= 64) return plain;
  return `auto-_${createHash("sha256").update(set.join("\n")).digest("hex").slice(0, 16)}`;
}

/** The definition of the pool generated for a language set: any pair within the set. */
export function generatedDefinition(languages: readonly string[]): PoolDefinition {
  const set = languageSet(languages);
  return {
    name: `auto: ${set.join(", ")}`,
    requiredServices: [],
    languages: { anyToAny: false, sources: set, targets: set, pairs: [], blocked: [] },
    matchMode: "contains",
    generated: true,
  };
}
