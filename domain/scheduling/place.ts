import { SpearError, type ErrorCode } from "../errors.js";
import type { PlacementPolicy } from "../events/function.js";
import type { LanguagePair } from "../ids.js";
import { NodeFilter, type RejectReason } from "./node-filter.js";
import { defaultPlaceOptions, type PlaceOptions } from "./options.js";
import { policies } from "./policies/index.js";
import { loadScore, lowestK } from "./policies/scoring.js";
import type { PolicyState } from "./policy-state.js";
import { planPools } from "./pool-selection.js";
import type { Rng } from "./random.js";
import type { SessionBinding } from "./session-binding.js";
import type { RuntimeSnapshot } from "./snapshot.js";
import { warmKey } from "./snapshot-node.js";
import { spreadAway } from "./spread.js";

export interface PlacementRequest {
  readonly function: string;
  /** The active version when absent. */
  readonly version?: number | undefined;
  readonly sessionId?: string | undefined;
  readonly tenant?: string | undefined;
  readonly routingKey?: string | undefined;
  /** Overrides the function's own language pair for this call. */
  readonly langPair?: LanguagePair | undefined;
  /** Nodes of this invocation's failed attempts: not offered again, unless `reuseExcluded`. */
  readonly exclude?: Iterable<string> | undefined;
  /**
   * The attempt has waited long enough (half its queue time, say) for another node: an excluded
   * node is then offered when no other, avoided ones included, can take the call.
   */
  readonly reuseExcluded?: boolean | undefined;
  /** Nodes that went away during an attempt (and may be back): offered only when no other node can take the call. */
  readonly avoid?: Iterable<string> | undefined;
  /** Put the session's last node last, so the session's calls spread over nodes. */
  readonly spread?: boolean | undefined;
}

export interface PlaceContext {
  readonly state: PolicyState;
  readonly rng: Rng;
  readonly options?: PlaceOptions | undefined;
}

/** A node to try to reserve, with the pool it was chosen from (null: the any-node fallback). */
export interface Candidate {
  readonly nodeId: string;
  readonly poolId: string | null;
  /** The node's registered slots, which the reservation checks against. */
  readonly slots: number;
}

export interface Placement {
  readonly ok: true;
  readonly function: string;
  readonly version: number;
  readonly policy: PlacementPolicy;
  /** Best first, across pools in fallback order; reserve the first that has a free slot. */
  readonly candidates: readonly Candidate[];
  readonly preferredPool: string | null;
  /** The session event to append with the assignment, when the decision implies one. */
  readonly binding: SessionBinding | null;
}

/** Codes of the error catalog, so a refusal can travel as a SpearError unchanged. */
const refusalCodes = [
  "function_not_found",
  "function_inactive",
  "version_not_found",
  "no_eligible_pool",
  "no_capacity",
  "function_requirements_unmet",
] as const satisfies readonly ErrorCode[];
export type RefusalCode = (typeof refusalCodes)[number];

export interface Refusal {
  readonly ok: false;
  readonly code: RefusalCode;
  readonly message: string;
  readonly details: {
    readonly function: string;
    readonly version?: number;
    readonly pools?: readonly string[];
    readonly examined?: number;
    readonly rejected?: Partial<Record<RejectReason, number>>;
  };
}

export type PlacementDecision = Placement | Refusal;

/**
 * The placement decision: level 1 picks the pools (session affinity, tenant override,
 * routing-key hash, ring-order fallback, strict mode), level 2 filters each pool's nodes and
 * orders them by the function's policy, until `maxCandidates` are found. Pure and
 * synchronous: it reads the snapshot and the injected cursors and random numbers, nothing else.
 *
 * Three things that leave no node are preferences, not bans, and when only they do, the
 * decision is taken again without them: the nodes to avoid (nodes that went away during an
 * attempt) and the snapshot's slot counts, which come from each node's last report and go stale
 * when reports are held up (by an outage, say), so the slot lease in Redis, which is exact,
 * decides; then, last and only once the attempt has waited for another node (`reuseExcluded`),
 * the excluded nodes (that failed the call: one that failed once, say before it had caught up
 * after a restart, is better than a call refused while it sits idle; the attempt limit still
 * bounds the retries).
 */
export function place(snapshot: RuntimeSnapshot, req: PlacementRequest, ctx: PlaceContext): PlacementDecision {
  const decision = placeAvoiding(snapshot, req, ctx, false);
  const rejected = rejectedBy(decision);
  if (!rejected?.avoided && !rejected?.full && !rejected?.excluded) return decision;
  const lenient = placeAvoiding(snapshot, req, ctx, true);
  if (!req.reuseExcluded || !rejectedBy(lenient)?.excluded) return lenient;
  return placeAvoiding(snapshot, { ...req, exclude: [] }, ctx, true);
}

const rejectedBy = (d: PlacementDecision) => (!d.ok && d.code === "no_capacity" ? d.details.rejected : undefined);

function placeAvoiding(snapshot: RuntimeSnapshot, req: PlacementRequest, ctx: PlaceContext, lenient: boolean): PlacementDecision {
  const options = ctx.options ?? defaultPlaceOptions;
  const fn = snapshot.functions.get(req.function);
  const version = req.version ?? fn?.activeVersion;
  const spec = version === undefined ? undefined : fn?.versions.get(version);
  if (!fn) return refuse("function_not_found", `function ${req.function} is not deployed`, { function: req.function });
  if (version === undefined) return refuse("function_inactive", `function ${req.function} has no active version`, { function: req.function });
  if (!spec) return refuse("version_not_found", `function ${req.function} has no version ${version}`, { function: req.function, version });

  const pair = req.langPair ?? spec.requirements.langPair;
  const plan = planPools(
    snapshot,
    {
      functionKey: req.function,
      services: spec.requirements.services,
      pair,
      sessionId: req.sessionId,
      tenant: req.tenant,
      routingKey: req.routingKey,
    },
    ctx.state,
  );
  if (plan.kind === "none") {
    return refuse("no_eligible_pool", `no pool can take ${req.function}@${version} and strict mode is on`, { function: req.function, version });
  }

  const exclude = req.exclude ?? [];
  const avoid = lenient ? [] : (req.avoid ?? []);
  const requirements = { runtime: spec.runtime, services: spec.requirements.services, labels: spec.requirements.labels };
  const policy = spec.policy ?? options.defaultPolicy;
  const table = snapshot.table;
  const candidates: Candidate[] = [];
  // Taken again leniently, the nodes the snapshot shows full go last: their reservation may fail.
  const full: Candidate[] = [];
  const add = (i: number, poolId: string | null) =>
    (lenient && table.running[i]! >= table.slots[i]! ? full : candidates).push({ nodeId: table.nodes[i]!.id, poolId, slots: table.slots[i]! });
  let filter: NodeFilter;
  // No pool's rules fit, so each node is checked for the language pair itself.
  const anyNode = (): NodeFilter => {
    const f = new NodeFilter(table, { ...requirements, pair }, options, { exclude, avoid, trustSlots: !lenient });
    const members = snapshot.nodeIndex.byRuntime.get(spec.runtime) ?? [];
    const cursorKey = `any:${spec.runtime}`;
    const start = ctx.state.cursor(cursorKey);
    ctx.state.moveTo(cursorKey, start + 1, members.length);
    for (const i of lowestK(members, start, f, options.maxCandidates, (n) => loadScore(table, n, options.loadWeights))) add(i, null);
    return f;
  };
  let fellBack = false;
  if (plan.kind === "pools") {
    filter = new NodeFilter(table, requirements, options, { exclude, avoid, trustSlots: !lenient });
    const choose = policies[policy];
    const key = warmKey(req.function, version);
    for (const pool of plan.pools) {
      const need = options.maxCandidates - candidates.length - full.length;
      if (need <= 0) break;
      const picks = choose({ pool, table, filter, need, warmKey: key, nodeIndex: snapshot.nodeIndex, state: ctx.state, rng: ctx.rng, options });
      for (const i of picks) add(i, pool.id);
    }
    // Pools that fit but whose members cannot take the call (none at all, say) do not stop it
    // outside strict mode: any node that meets the requirements may, as when no pool fits.
    // (Should that find nothing either, the refusal tells what the pools' members lacked.)
    if (candidates.length + full.length === 0 && !snapshot.settings.strict) {
      anyNode();
      fellBack = candidates.length + full.length > 0;
    }
  } else {
    filter = anyNode();
  }

  candidates.push(...full);
  if (candidates.length === 0) {
    const pools = plan.kind === "pools" ? plan.pools.map((p) => p.id) : [];
    const details = { function: req.function, version, pools, examined: filter.examined, rejected: filter.rejected };
    return filter.onlyRequirementsFailed
      ? refuse("function_requirements_unmet", `no node of the candidate pools meets the requirements of ${req.function}@${version}`, details)
      : refuse("no_capacity", `no node can take ${req.function}@${version} now`, details);
  }

  const lastNode = req.spread && req.sessionId !== undefined ? snapshot.sessions.get(req.sessionId)?.lastNode : undefined;
  return {
    ok: true,
    function: req.function,
    version,
    policy,
    candidates: spreadAway(candidates, lastNode),
    preferredPool: plan.kind === "pools" && !fellBack ? plan.preferred.id : null,
    binding: plan.kind === "pools" && !fellBack ? (plan.binding ?? null) : null,
  };
}

const refuse = (code: RefusalCode, message: string, details: Refusal["details"]): Refusal => ({ ok: false, code, message, details });

export const refusalError = (r: Refusal): SpearError => new SpearError(r.code, r.message, { ...r.details });
