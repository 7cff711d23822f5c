import type { LanguagePair } from "../ids.js";
import type { PoolLanguages } from "../events/pool.js";

const samePair = (a: LanguagePair, b: LanguagePair) => a.source === b.source && a.target === b.target;

/**
 * Whether a pool's language rules admit a pair: a blocked pair never; otherwise any pair when
 * the pool is any-to-any, a listed pair, or a source from `sources` with a target from `targets`.
 */
export function pairAllowed(langs: PoolLanguages, pair: LanguagePair): boolean {
  if (langs.blocked.some((b) => samePair(b, pair))) return false;
  if (langs.anyToAny) return true;
  if (langs.pairs.some((p) => samePair(p, pair))) return true;
  return langs.sources.includes(pair.source) && langs.targets.includes(pair.target);
}

/** A node handles a pair when it advertises both languages. */
export const nodeHandlesPair = (nodeLanguages: readonly string[], pair: LanguagePair): boolean =>
  nodeLanguages.includes(pair.source) && nodeLanguages.includes(pair.target);

export const pairKey = (pair: LanguagePair): string => `${pair.source}>${pair.target}`;
