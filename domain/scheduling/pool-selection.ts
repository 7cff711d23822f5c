import type { LanguagePair } from "../ids.js";
import { fnv1a } from "./hash.js";
import type { PolicyState } from "./policy-state.js";
import { eligiblePools, poolFits, type SnapshotPool } from "./snapshot-pools.js";
import { samePair, type SessionBinding } from "./session-binding.js";
import type { RuntimeSnapshot, SnapshotSession } from "./snapshot.js";

export interface PoolQuery {
  /** Names the rotation cursor of requests that carry neither routing key nor session. */
  readonly functionKey: string;
  readonly services: readonly string[];
  readonly pair: LanguagePair | undefined;
  readonly sessionId?: string | undefined;
  readonly tenant?: string | undefined;
  readonly routingKey?: string | undefined;
}

/** Level 1's answer: the pools to try in order, the preferred one, and the session event. */
export type PoolPlan =
  | {
      readonly kind: "pools";
      readonly pools: readonly SnapshotPool[];
      readonly preferred: SnapshotPool;
      readonly binding: SessionBinding | undefined;
    }
  /** No pool fits and strict mode is off: any node that meets the requirements may take it. */
  | { readonly kind: "any-node" }
  /** No pool fits and strict mode is on. */
  | { readonly kind: "none" };

/**
 * Level 1, pool selection. The candidate pools are the eligible ones (services and language
 * pair, via the index), narrowed to the override list of the tenant (the request's, else the
 * session's) when it has one. The preferred pool is, in this order: the session's bound pool
 * while its language pair holds and the pool is still a candidate; the tenant's first
 * candidate pool; the pool the routing key (else the session id) hashes to; else the next pool
 * of a rotation. The other candidates follow in ring order (override order for a tenant)
 * starting after the preferred one.
 */
export function planPools(snapshot: RuntimeSnapshot, q: PoolQuery, state: PolicyState): PoolPlan {
  const { pools, settings } = snapshot;
  const session: SnapshotSession | undefined = q.sessionId === undefined ? undefined : snapshot.sessions.get(q.sessionId);
  const tenant = q.tenant ?? session?.tenant;
  const override = tenant === undefined ? undefined : settings.tenantOverrides[tenant];
  const candidates = override
    ? override.flatMap((id) => {
        const p = pools.byId.get(id);
        return p && poolFits(p, q.services, q.pair) ? [p] : [];
      })
    : eligiblePools(pools, q.services, q.pair);
  if (candidates.length === 0) return settings.strict ? { kind: "none" } : { kind: "any-node" };

  const bound = session?.preferredPool === undefined ? undefined : pools.byId.get(session.preferredPool);
  const pairHolds = samePair(session?.boundPair, q.pair);
  const boundAt = bound ? candidates.indexOf(bound) : -1;

  let at: number;
  let binding: SessionBinding | undefined;
  if (boundAt >= 0 && pairHolds) {
    at = boundAt;
  } else {
    at = override ? 0 : chooseIndex(candidates.length, q, state);
    const poolId = candidates[at]!.id;
    if (q.sessionId !== undefined) {
      binding =
        session?.preferredPool === undefined
          ? { kind: "bind", sessionId: q.sessionId, poolId, langPair: q.pair, tenant }
          : {
              kind: "rebind",
              sessionId: q.sessionId,
              poolId,
              previousPoolId: session.preferredPool,
              langPair: q.pair,
              reason: pairHolds ? "pool_ineligible" : "lang_pair_changed",
            };
    }
  }
  return { kind: "pools", pools: [...candidates.slice(at), ...candidates.slice(0, at)], preferred: candidates[at]!, binding };
}

function chooseIndex(n: number, q: PoolQuery, state: PolicyState): number {
  const key = q.routingKey ?? q.sessionId;
  if (key !== undefined) return fnv1a(key) % n;
  const cursorKey = `pools:${q.functionKey}`;
  const at = state.cursor(cursorKey) % n;
  state.moveTo(cursorKey, at + 1, n);
  return at;
}
