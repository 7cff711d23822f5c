import { z } from "zod";
import { SpearError } from "../../domain/errors.js";
import { InvocationId, NodeId } from "../../domain/ids.js";

/**
 * How long a spearlet keeps trying to record a finished call's result through an outage, its
 * lease renewed meanwhile. A lease can outlive its call by this much; the schedulers' rebuild of
 * the lease state reads the assignment log back at least this far past the longest call.
 */
export const RESULT_PERSIST_MS = 60_000;

/** The furthest back a lease can be live whatever the functions: the longest timeout allowed (1 h), and more. */
export const LONGEST_LEASE_WINDOW_MS = 65 * 60_000;

/** Extra time a committed lease may run past its function's timeout (the spearlet's reporting). */
export const RUN_GRACE_MS = 5_000;
/** Room for a call's wait for its version and its cold start, on top of the bounds below. */
const START_SLACK_MS = 60_000;

/**
 * How far back in the assignment log a lease can still be live: a call is picked up within the
 * pickup timeout, may wait for its version and a cold start (bounded by its timeout plus the
 * slack), runs at most its timeout, and keeps its lease while its result is being recorded
 * through an outage. Bounded by the longest timeout of any deployed version, so a reader of the
 * log reads recent activity rather than all of it; `maxMs` when none is known.
 */
export function liveLeaseWindowMs(timeouts: Iterable<number>, o: { readonly pickupTimeoutMs: number; readonly maxMs: number }): number {
  let longest = 0;
  for (const t of timeouts) longest = Math.max(longest, t);
  if (longest === 0) return o.maxMs;
  return Math.min(o.maxMs, o.pickupTimeoutMs + 2 * longest + RUN_GRACE_MS + RESULT_PERSIST_MS + START_SLACK_MS);
}

/** reserved → running (commit) → released; expired once its deadline passed without release. */
export type LeaseStatus = "reserved" | "running" | "expired" | "released";

export interface Lease {
  /** The fencing token: a decimal number that only grows, across Redis losses too. */
  readonly token: string;
  readonly nodeId: string;
  readonly invocationId: string;
  readonly attempt: number;
  /** Sequence of the request in SPEAR_INVOKE, so a reaper can retry the call (0: unknown). */
  readonly requestSeq: number;
  readonly status: LeaseStatus;
  /** Epoch ms (Redis clock) after which the lease no longer holds its slot. */
  readonly expiresAt: number;
  readonly createdAt: number;
}

export interface ClaimedLease extends Lease {
  /** Until when this reaper owns the expired lease; after that another reaper gets it again. */
  readonly claimedUntil: number;
  /** Whether the call was committed (started) before the lease expired; false: never picked up. */
  readonly committed: boolean;
}

export type ReserveResult =
  /** `created: false` when the same attempt was reserved before: the earlier lease, on its own node. */
  | { readonly ok: true; readonly lease: Lease; readonly created: boolean }
  /** The node's live leases already fill its slots: try the next candidate. */
  | { readonly ok: false; readonly reason: "node_full"; readonly live: number; readonly maxSlots: number }
  /** The node has left a reservation uncommitted for longer than the stall limit (since: its creation, epoch ms): try the next. */
  | { readonly ok: false; readonly reason: "node_stalled"; readonly since: number };

export interface ReserveRequest {
  readonly invocationId: string;
  readonly attempt: number;
  readonly ttlMs: number;
  /** Sequence of the request in SPEAR_INVOKE (default 0: unknown). */
  readonly requestSeq?: number;
  /** A node whose oldest reservation is older than this has stalled: no new reservation there (0, the default: no check). */
  readonly stallMs?: number;
}

/** A lease the log says is active (an assignment without a result), for `rebuild`. */
export const ActiveLease = z.object({
  token: z.string().regex(/^\d{1,16}$/, "a lease token is a decimal number"),
  nodeId: NodeId,
  invocationId: InvocationId,
  attempt: z.number().int().min(1),
  requestSeq: z.number().int().nonnegative().default(0),
  state: z.enum(["reserved", "running"]),
  expiresAt: z.number().int().nonnegative(),
  createdAt: z.number().int().nonnegative().optional(),
});
export type ActiveLease = z.input<typeof ActiveLease>;

export interface NodeLeaseCounts {
  readonly reserved: number;
  readonly running: number;
}

/** A lease as the scripts encode it (hash fields plus token and derived status). */
const ScriptLease = z.object({
  token: z.string(),
  node: z.string(),
  invocationId: z.string(),
  attempt: z.number(),
  requestSeq: z.number(),
  status: z.enum(["reserved", "running", "expired", "released"]),
  state: z.enum(["reserved", "running", "released"]).optional(),
  expiresAt: z.number(),
  createdAt: z.number(),
  claimedUntil: z.number().optional(),
});

/**
 * A lease as a script returned it. The scripts are Spear's own and always encode these fields,
 * so only the shape is checked: a Redis that answers something else is a defect worth a throw.
 */
export const toLease = (raw: unknown): Lease => {
  const l = raw as z.output<typeof ScriptLease>;
  if (typeof l !== "object" || l === null || typeof l.token !== "string" || typeof l.node !== "string" || typeof l.expiresAt !== "number") {
    throw new SpearError("internal", `a lease script answered something that is not a lease: ${JSON.stringify(raw)?.slice(0, 200)}`);
  }
  return {
    token: l.token,
    nodeId: l.node,
    invocationId: l.invocationId,
    attempt: l.attempt,
    requestSeq: l.requestSeq,
    status: l.status,
    expiresAt: l.expiresAt,
    createdAt: l.createdAt,
  };
};

export const toClaimedLease = (raw: unknown): ClaimedLease => {
  const l = ScriptLease.extend({ claimedUntil: z.number() }).parse(raw);
  return { ...toLease(l), claimedUntil: l.claimedUntil, committed: l.state === "running" };
};
