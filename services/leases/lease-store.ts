import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { z } from "zod";
import { SpearError } from "../../domain/errors.js";
import { isId, MAX_NAME_LENGTH, NodeId } from "../../domain/ids.js";
import {
  ActiveLease,
  toClaimedLease,
  toLease,
  type ClaimedLease,
  type Lease,
  type NodeLeaseCounts,
  type ReserveRequest,
  type ReserveResult,
} from "./lease.js";
import { redactUrl } from "../../streams/nats-url.js";
import { redisError } from "./redis-errors.js";
import { metric, readFrom } from "../metrics/registry.js";
import { claimExpiredLua, commitLua, countersLua, expireNodeLua, forgetLua, holdForResultLua, rebuildLua, releaseLua, reserveLua } from "./scripts.js";

export interface LeaseStoreOptions {
  readonly url: string;
  /** Key prefix of every lease key. */
  readonly prefix?: string;
  /** A call that gets no answer within this fails with redis_unreachable. */
  readonly commandTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** How long a released lease is remembered, so a late redelivery of its attempt is recognised. */
  readonly tombstoneMs?: number;
  readonly log?: Logger;
  readonly name?: string;
}

const scripts = {
  spearLeaseReserve: reserveLua,
  spearLeaseCommit: commitLua,
  spearLeaseRelease: releaseLua,
  spearLeaseHoldForResult: holdForResultLua,
  spearLeaseClaimExpired: claimExpiredLua,
  spearLeaseForget: forgetLua,
  spearLeaseExpireNode: expireNodeLua,
  spearLeaseCounters: countersLua,
  spearLeaseRebuild: rebuildLua,
} as const;
type ScriptName = keyof typeof scripts;
/** Each script as the metrics name the operation. */
const operations: Readonly<Record<ScriptName, string>> = {
  spearLeaseReserve: "reserve",
  spearLeaseCommit: "commit",
  spearLeaseRelease: "release",
  spearLeaseHoldForResult: "hold_for_result",
  spearLeaseClaimExpired: "claim_expired",
  spearLeaseForget: "forget",
  spearLeaseExpireNode: "expire_node",
  spearLeaseCounters: "counters",
  spearLeaseRebuild: "rebuild",
};
type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

function valid<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new SpearError("invalid_argument", `invalid ${what}: ${r.error.issues.map((i) => `${i.path.join(".") || "(value)"}: ${i.message}`).join("; ")}`);
}

const count = (n: number, what: string): number => {
  if (!Number.isInteger(n) || n < 0) throw new SpearError("invalid_argument", `${what} must be a non-negative integer, got ${n}`);
  return n;
};

/**
 * Node slot leases in Redis, each operation one Lua script (loaded once, run by EVALSHA).
 * Redis holds no fact the log lacks: the scheduler passes each node's slots from its
 * snapshot, and after Redis loses its state (flush, restart) every call fails with
 * `lease_state_lost` until `rebuild` has put back the leases the log says are active.
 *
 * Calls never queue while Redis is away: they fail at once with `redis_unreachable` (the
 * scheduler naks and the request is redelivered later), and the store logs the outage once.
 */
export class LeaseStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly tombstoneMs: number;
  /** The URL as logs and errors show it: without the password. */
  private readonly shownUrl: string;
  private down = false;
  private readonly outageListeners: (() => void)[] = [];
  private readonly unwatched: () => void;

  constructor(private readonly opts: LeaseStoreOptions) {
    this.prefix = opts.prefix ?? "spear:lease:";
    this.tombstoneMs = opts.tombstoneMs ?? 10 * 60_000;
    this.shownUrl = redactUrl(opts.url);
    this.redis = new Redis(opts.url, {
      connectionName: opts.name ?? "spear-leases",
      enableOfflineQueue: false,
      // Concurrent reservations and releases go out in one write per tick.
      enableAutoPipelining: true,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: opts.commandTimeoutMs ?? 2_000,
      connectTimeout: opts.connectTimeoutMs ?? 2_000,
      // Keep reconnecting for as long as the process lives (calls fail fast meanwhile), often
      // enough that a restarted Redis is back in use within 100 ms: every node sits idle until
      // the schedulers are back on it.
      retryStrategy: (times) => Math.min(20 * times, 100),
    });
    for (const [name, lua] of Object.entries(scripts)) this.redis.defineCommand(name, { numberOfKeys: 0, lua });
    this.redis.on("error", (e: Error) => this.noteDown(e));
    this.redis.on("ready", () => {
      if (this.down) opts.log?.info({ url: this.shownUrl }, "Redis is reachable again: slot leases work");
      this.down = false;
    });
    this.unwatched = readFrom("spear_redis_connected", () => (this.reachable ? 1 : 0));
  }

  /** Whether Redis answers now (as far as the connection knows). */
  get reachable(): boolean {
    return this.redis.status === "ready" && !this.down;
  }

  /** Calls `listener` each time Redis is reachable again after an outage (or a restart, which may have emptied it). */
  onReconnect(listener: () => void): void {
    this.redis.on("ready", listener);
  }

  /** Calls `listener` each time an outage begins (once per outage, as it is logged). */
  onOutage(listener: () => void): void {
    this.outageListeners.push(listener);
  }

  /** Resolves once connected; fails with redis_unreachable after `timeoutMs` (the client keeps trying). */
  async ready(timeoutMs = 5_000): Promise<void> {
    if (this.redis.status === "ready") return;
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.redis.off("ready", done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.redis.off("ready", done);
        reject(new SpearError("redis_unreachable", `Redis at ${this.shownUrl} did not answer within ${timeoutMs} ms`, { url: this.shownUrl }));
      }, timeoutMs);
      this.redis.on("ready", done);
    });
  }

  /** The epoch sentinel; null when the lease state is missing and must be rebuilt from the log. */
  async epoch(): Promise<string | null> {
    return this.call("epoch", () => this.redis.get(`${this.prefix}epoch`));
  }

  /**
   * Takes one of the node's slots for an attempt, atomically: live leases (reserved and
   * running) are counted against `maxSlots`, and a node that has left a reservation
   * uncommitted for longer than `stallMs` gets none. Idempotent per (invocationId, attempt): a
   * second call returns the first lease, whatever node it names, instead of taking another slot.
   */
  async reserve(nodeId: string, maxSlots: number, request: ReserveRequest): Promise<ReserveResult> {
    // The scheduler's own values (a node id from the registry, a parsed request): the script's keys are built from them, so only their kind is checked here.
    if (!isId(nodeId, MAX_NAME_LENGTH) || !isId(request.invocationId) || !(request.attempt >= 1) || !(request.ttlMs >= 1)) {
      throw new SpearError("invalid_argument", `not a reservation: node ${nodeId}, invocation ${request.invocationId}, attempt ${request.attempt}, ttl ${request.ttlMs} ms`);
    }
    const out = (await this.run("spearLeaseReserve", nodeId, count(maxSlots, "maxSlots"), request.invocationId, request.attempt, request.ttlMs, request.requestSeq ?? 0, request.stallMs ?? 0)) as {
      result: "existing" | "created" | "full" | "stalled";
      lease?: unknown;
      live?: number;
      since?: number;
    };
    metric("spear_lease_reservations_total").inc({ result: out.result });
    if (out.result === "full") return { ok: false, reason: "node_full", live: out.live ?? maxSlots, maxSlots };
    if (out.result === "stalled") return { ok: false, reason: "node_stalled", since: out.since ?? 0 };
    return { ok: true, lease: toLease(out.lease), created: out.result === "created" };
  }

  /**
   * The call starts: the lease becomes running until now + ttlMs. Fails with lease_expired
   * or lease_not_found when the lease no longer holds its slot, and then the call must not run.
   */
  async commit(token: string, ttlMs: number): Promise<Lease> {
    if (!(ttlMs >= 1)) throw new SpearError("invalid_argument", `ttlMs must be at least 1, got ${ttlMs}`);
    return toLease(await this.run("spearLeaseCommit", token, Math.ceil(ttlMs)));
  }

  /**
   * Before a node's result is recorded: the lease `token` must be a live lease of `nodeId` for
   * that attempt of the invocation (else lease_not_held), and it is kept live for at least
   * `holdMs`, so the reaper cannot take it while the result is being written.
   */
  async holdForResult(token: string, nodeId: string, invocationId: string, attempt: number, holdMs: number): Promise<Lease> {
    return toLease(await this.run("spearLeaseHoldForResult", token, nodeId, invocationId, attempt, Math.ceil(holdMs)));
  }

  /** The call finished: frees the slot. Idempotent; `released` says whether this call did it. */
  release(token: string): Promise<{ released: boolean; lease?: Lease }> {
    return this.#release(token, false);
  }

  /**
   * A scheduler gives back a reservation it will not hand over, only while no node has committed
   * it: the reservation is per invocation and attempt, so another replica given the redelivered
   * request may have resumed it and placed the call, which then runs on it.
   */
  giveBack(token: string): Promise<{ released: boolean; lease?: Lease }> {
    return this.#release(token, true);
  }

  async #release(token: string, onlyReserved: boolean): Promise<{ released: boolean; lease?: Lease }> {
    const out = (await this.run("spearLeaseRelease", token, this.tombstoneMs, onlyReserved ? "1" : "0")) as { released: boolean; lease?: unknown };
    return out.lease === undefined ? { released: out.released } : { released: out.released, lease: toLease(out.lease) };
  }

  /**
   * Up to `limit` expired leases, each claimed for `claimMs`: a reaper handles them and calls
   * `forget`; one that crashes loses nothing, as the claim runs out and the lease comes back.
   */
  async claimExpired(limit: number, claimMs: number): Promise<ClaimedLease[]> {
    const out = await this.run("spearLeaseClaimExpired", count(limit, "limit"), count(claimMs, "claimMs"));
    // cjson encodes an empty Lua table as an object.
    return Array.isArray(out) ? out.map(toClaimedLease) : [];
  }

  /** Removes a handled lease for good. Idempotent. */
  async forget(token: string): Promise<boolean> {
    return (await this.run("spearLeaseForget", token)) === 1;
  }

  /** A lost node: its live leases expire now (their slots free, the reaper retries their calls). */
  async expireNode(nodeId: string): Promise<number> {
    return (await this.run("spearLeaseExpireNode", valid(NodeId, nodeId, "node id"))) as number;
  }

  /** Live reserved and running leases per node, for stats. */
  async counters(nodeIds: readonly string[]): Promise<Map<string, NodeLeaseCounts>> {
    const out = new Map<string, NodeLeaseCounts>();
    if (nodeIds.length === 0) return out;
    const flat = (await this.run("spearLeaseCounters", ...nodeIds.map((id) => valid(NodeId, id, "node id")))) as number[];
    nodeIds.forEach((id, i) => out.set(id, { reserved: flat[2 * i] ?? 0, running: flat[2 * i + 1] ?? 0 }));
    return out;
  }

  /**
   * Replaces the lease state with the leases the log says are active (assignments without a
   * result) under a new epoch. With `expectEpoch` (null: "no epoch", the state was lost) it
   * only applies when the epoch is still that one, so replicas noticing one loss rebuild once.
   * Leases already past their deadline go straight to the reaper; the fencing counter is put
   * above every token given and above the clock, so tokens keep growing.
   */
  async rebuild(leases: readonly ActiveLease[], opts: { expectEpoch?: string | null } = {}): Promise<{ applied: boolean; epoch: string | null; leases: number }> {
    const parsed = leases.map((l, i) => valid(ActiveLease, l, `active lease #${i}`));
    const expect = opts.expectEpoch === undefined ? "*" : (opts.expectEpoch ?? "");
    const out = (await this.run("spearLeaseRebuild", randomUUID(), expect, JSON.stringify(parsed))) as {
      applied: boolean;
      epoch: string;
      leases?: number;
    };
    if (out.applied) this.opts.log?.info({ epoch: out.epoch, leases: out.leases }, "lease state rebuilt from the log");
    return { applied: out.applied, epoch: out.epoch === "" ? null : out.epoch, leases: out.leases ?? 0 };
  }

  async close(): Promise<void> {
    this.unwatched();
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private async run(name: ScriptName, ...args: (string | number)[]): Promise<unknown> {
    const fn = (this.redis as unknown as Record<ScriptName, ScriptCall>)[name];
    const raw = await this.call(operations[name], () => fn.call(this.redis, this.prefix, ...args));
    return typeof raw === "string" ? JSON.parse(raw) : raw;
  }

  private async call<T>(operation: string, op: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const out = await op();
      metric("spear_lease_operations_total").inc({ operation, result: "ok" });
      return out;
    } catch (e) {
      const err = redisError(e, this.shownUrl);
      metric("spear_lease_operations_total").inc({ operation, result: err.code });
      if (err.code === "redis_unreachable") this.noteDown(err);
      throw err;
    } finally {
      metric("spear_lease_operation_seconds").observe({ operation }, (performance.now() - started) / 1000);
    }
  }

  /** One error line per outage, however many calls fail during it. */
  private noteDown(e: Error): void {
    if (this.down) return;
    this.down = true;
    this.opts.log?.warn({ url: this.shownUrl, err: e.message }, "Redis is unreachable: slot reservations fail and requests wait for redelivery");
    for (const listener of this.outageListeners) listener();
  }
}
