import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { SpearError } from "../../../domain/errors.js";
import type { FunctionSpec } from "../../../domain/events/function.js";
import type { InstanceState, InstanceStateChanged } from "../../../domain/events/instance.js";
import type { InstanceSummary } from "../../../domain/events/status.js";
import { instanceStateChanged } from "../../../domain/instance/lifecycle.js";
import { parseConfig } from "../../config.js";
import type { CallOptions, InvokeOutcome, Runtime, RuntimeInstance, SharedBinary } from "../runtime/runtime.js";
import { createAllocator, type Allocator } from "./allocation.js";
import type { Clock } from "./clock.js";
import { InstancePoolSettings, type InstancePoolSettingsInput } from "./settings.js";

/**
 * Instances that can be suspended while idle (SIGSTOP, `docker pause`) implement these; the pool
 * calls them on the way to Paused and back. Without them Paused only marks the warm tier.
 */
export interface PausableInstance extends RuntimeInstance {
  pause(): Promise<void>;
  resume(): Promise<void>;
}

const isPausable = (i: RuntimeInstance): i is PausableInstance =>
  typeof (i as Partial<PausableInstance>).pause === "function" && typeof (i as Partial<PausableInstance>).resume === "function";

/** Where a call's instance came from: hot = Ready, warm = Paused and resumed, cold = started for it. */
export type Tier = "hot" | "warm" | "cold";

export interface PoolCall {
  readonly outcome: InvokeOutcome;
  readonly instanceId: string;
  /** No Ready or Paused instance was free: the call waited for an instance to start. */
  readonly coldStart: boolean;
  readonly tier: Tier;
}

export interface PrewarmResult {
  readonly started: number;
  readonly failed: number;
}

export interface IdleInstance {
  readonly instanceId: string;
  readonly tier: "hot" | "warm";
  /** When it last finished a call or became ready (clock ms). */
  readonly idleSince: number;
}

export interface PoolStats extends InstanceSummary {
  readonly hot: number;
  readonly warm: number;
  readonly starting: number;
  readonly calls: number;
  readonly coldStarts: number;
  readonly recycled: number;
}

export interface InstancePoolOptions {
  readonly nodeId: string;
  readonly function: string;
  readonly version: number;
  readonly spec: FunctionSpec;
  readonly runtime: Runtime;
  readonly binary?: SharedBinary;
  readonly settings?: InstancePoolSettingsInput;
  readonly clock: Clock;
  /** Every state change of every instance, in order; the agent batches them into status reports. */
  readonly onTransition: (event: InstanceStateChanged) => void;
  /** Whether starting instances that nobody waits for is allowed now (false under memory pressure). */
  readonly canRefill?: () => boolean;
  readonly newInstanceId?: () => string;
  readonly logger?: Logger;
}

interface Slot {
  readonly id: string;
  readonly order: number;
  state: InstanceState;
  instance: RuntimeInstance | undefined;
  /** Calls running on it, plus calls promised to it while it starts or resumes. */
  inFlight: number;
  /** A lifecycle step under way; allocation and reclamation leave the slot alone meanwhile. */
  op: "starting" | "cooling" | "resuming" | "stopping" | undefined;
  /** Settles when a start ends: undefined once Ready, the error when it did not start. */
  started: Promise<SpearError | undefined> | undefined;
  stopped: Promise<void> | undefined;
  idleSince: number;
  pausedAt: number;
  consecutiveErrors: number;
  responseMs: number | undefined;
  /** Failed too often: takes no new call and is recycled when its last call ends. */
  retiring: boolean;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The instances of one function version on this node, in three tiers: hot (Ready, or Executing
 * with room when an instance serves several calls), warm (Paused), cold (none free: start one,
 * up to `scaling.maxInstances`). Every state change passes the domain lifecycle
 * (domain/instance/lifecycle.ts) and is reported through `onTransition`.
 *
 * Housekeeping is driven from outside (`reclaimIdle`, `refill`, `reclaim` for memory pressure),
 * normally by the PoolManager's sweep, so tests move a fake clock and call it.
 */
export class InstancePool {
  readonly function: string;
  readonly version: number;
  readonly spec: FunctionSpec;
  readonly settings: InstancePoolSettings;
  readonly #o: InstancePoolOptions;
  readonly #allocator: Allocator;
  readonly #newId: () => string;
  /** In creation order; a slot leaves when Terminated. */
  readonly #slots: Slot[] = [];
  readonly #pending = new Set<Promise<unknown>>();
  #order = 0;
  #closed = false;
  #startFailures = 0;
  #refillNotBefore = 0;
  #calls = 0;
  #coldStarts = 0;
  #recycled = 0;

  constructor(options: InstancePoolOptions) {
    this.#o = options;
    this.function = options.function;
    this.version = options.version;
    this.spec = options.spec;
    this.settings = parseConfig(InstancePoolSettings, options.settings ?? {}, "pool settings");
    this.#allocator = createAllocator(this.settings.strategy);
    const tag = randomBytes(3).toString("hex");
    let n = 0;
    this.#newId = options.newInstanceId ?? (() => `${options.function}-${options.version}-${tag}-${++n}`);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs one call on an instance: hot first, then warm, then a cold start. Throws `saturated`, `instance_start_failed` or `pool_closed`. */
  async invoke(input: unknown, opts: CallOptions): Promise<PoolCall> {
    const { slot, tier } = await this.acquire();
    this.#calls += 1;
    if (tier === "cold") this.#coldStarts += 1;
    const instance = slot.instance;
    if (!instance) throw new SpearError("internal", `instance ${slot.id} was handed out without a runtime instance`);
    let outcome: InvokeOutcome | undefined;
    try {
      outcome = await untilAborted(instance.invoke(input, opts), opts.signal);
    } catch (e) {
      // The runtime rejects only on misuse; the instance's state is unknown, so it goes.
      slot.inFlight -= 1;
      await this.stop(slot, `invoke failed: ${message(e)}`, true);
      throw e;
    }
    if (!outcome) {
      // Stopped from outside: the instance is in the middle of the call, so it goes.
      slot.inFlight -= 1;
      await this.stop(slot, "call cancelled", true);
      throw new SpearError("cancelled", `the call of ${this.function} v${this.version} was cancelled`, { instanceId: slot.id });
    }
    this.finish(slot, outcome);
    return { outcome, instanceId: slot.id, coldStart: tier === "cold", tier };
  }

  /** Starts instances until `scaling.minWarm` are alive (or starting); resolves when they are Ready or failed. */
  async prewarm(): Promise<PrewarmResult> {
    if (this.#closed) return { started: 0, failed: 0 };
    const { minWarm, maxInstances } = this.spec.scaling;
    const missing = Math.min(minWarm, maxInstances) - this.liveCount();
    if (missing <= 0) return { started: 0, failed: 0 };
    const slots = Array.from({ length: missing }, () => this.start("prewarm"));
    const failures = await Promise.all(slots.map((s) => s.started));
    const failed = failures.filter((f) => f !== undefined).length;
    return { started: missing - failed, failed };
  }

  /** `prewarm` unless memory is short or a recent start failed (then it waits, doubling, up to `refillBackoffMax`). */
  refill(): Promise<PrewarmResult> {
    if (!this.mayStartUnclaimed()) return Promise.resolve({ started: 0, failed: 0 });
    return this.prewarm();
  }

  /**
   * One idle sweep: Ready instances idle for `coolAfter` cool down to Paused; Paused instances
   * idle past `scaling.idleTtlMs` are terminated, oldest first, never going below `minWarm`.
   */
  async reclaimIdle(): Promise<void> {
    if (this.#closed) return;
    const now = this.#o.clock.now();
    const steps: Promise<void>[] = [];
    for (const s of this.#slots) {
      if (s.state === "Ready" && this.isIdle(s) && now - s.idleSince >= this.settings.coolAfter) steps.push(this.cool(s));
    }
    const expired = this.#slots
      .filter((s) => s.state === "Paused" && this.isIdle(s) && now - s.pausedAt >= this.spec.scaling.idleTtlMs)
      .sort((a, b) => a.pausedAt - b.pausedAt);
    let surplus = this.liveCount() - this.spec.scaling.minWarm;
    for (const s of expired) {
      if (surplus <= 0) break;
      surplus -= 1;
      steps.push(this.stop(s, `idle for ${now - s.pausedAt} ms while paused (ttl ${this.spec.scaling.idleTtlMs} ms)`));
    }
    await Promise.all(steps);
  }

  /** Idle instances that memory-pressure reclamation may take (minWarm does not protect them). */
  idleInstances(): IdleInstance[] {
    return this.#slots
      .filter((s) => (s.state === "Ready" || s.state === "Paused") && this.isIdle(s))
      .map((s) => ({ instanceId: s.id, tier: s.state === "Paused" ? "warm" : "hot", idleSince: s.idleSince }));
  }

  /** Terminates one instance if it is still idle; false when it is not (it took a call meanwhile). */
  async reclaim(instanceId: string, reason: string): Promise<boolean> {
    const s = this.#slots.find((x) => x.id === instanceId);
    if (!s || !(s.state === "Ready" || s.state === "Paused") || !this.isIdle(s)) return false;
    await this.stop(s, reason);
    return true;
  }

  /** For heartbeats: ready = idle and able to serve without a cold start (Ready or Paused), busy = with calls, total = alive. */
  summary(): InstanceSummary {
    const live = this.#slots.filter((s) => this.isLiveSlot(s));
    return {
      function: this.function,
      version: this.version,
      ready: live.filter((s) => (s.state === "Ready" || s.state === "Paused") && s.inFlight === 0).length,
      busy: live.filter((s) => s.inFlight > 0).length,
      total: live.length,
    };
  }

  /** Its instances by lifecycle state, those on their way out included. */
  states(): Map<InstanceState, number> {
    const counts = new Map<InstanceState, number>();
    for (const slot of this.#slots) counts.set(slot.state, (counts.get(slot.state) ?? 0) + 1);
    return counts;
  }

  stats(): PoolStats {
    const live = this.#slots.filter((s) => this.isLiveSlot(s));
    return {
      ...this.summary(),
      hot: live.filter((s) => s.state === "Ready" || s.state === "Executing").length,
      warm: live.filter((s) => s.state === "Paused" || s.state === "CoolingDown").length,
      starting: live.filter((s) => s.state === "Initializing" || s.state === "WarmingUp").length,
      calls: this.#calls,
      coldStarts: this.#coldStarts,
      recycled: this.#recycled,
    };
  }

  /**
   * Refuses new calls, lets lifecycle steps under way finish, then terminates every instance:
   * idle ones directly, ones still executing through Error (their calls end as the runtime
   * reports a terminated instance). Drain the calls first for a graceful stop.
   */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    await Promise.all(this.#slots.map((s) => this.stop(s, "pool closed")));
  }

  private async acquire(): Promise<{ slot: Slot; tier: Tier }> {
    // Each pass either returns or removes an instance that failed to resume, so it ends.
    for (;;) {
      this.assertOpen();
      const hot = this.#allocator.pick(this.#slots.filter((s) => this.isHot(s)));
      if (hot) {
        hot.inFlight += 1;
        this.begin(hot);
        return { slot: hot, tier: "hot" };
      }
      const warm = this.mostRecentlyPaused();
      if (warm) {
        warm.inFlight += 1;
        if (await this.resume(warm)) {
          this.begin(warm);
          return { slot: warm, tier: "warm" };
        }
        continue;
      }
      const cap = this.settings.instanceConcurrency;
      const starting =
        this.#slots.find((s) => s.op === "starting" && s.inFlight < cap) ??
        (this.liveCount() < this.spec.scaling.maxInstances ? this.start("cold start") : undefined);
      if (!starting) throw this.saturated();
      starting.inFlight += 1;
      const failure = await starting.started;
      if (failure) throw failure;
      this.begin(starting);
      return { slot: starting, tier: "cold" };
    }
  }

  private begin(s: Slot): void {
    if (s.state === "Ready") this.move(s, "Executing");
  }

  private finish(s: Slot, outcome: InvokeOutcome): void {
    s.inFlight -= 1;
    const alpha = this.settings.responseTimeAlpha;
    s.responseMs = s.responseMs === undefined ? outcome.durationMs : s.responseMs + alpha * (outcome.durationMs - s.responseMs);
    // Closed or recycled while the call ran: the slot is already on its way out.
    if (s.op === "stopping" || s.state !== "Executing") return;
    if (!outcome.ok) {
      if (outcome.instanceBroken) {
        void this.recycle(s, `instance broken: ${outcome.error.code}`);
        return;
      }
      s.consecutiveErrors += 1;
      if (s.consecutiveErrors >= this.settings.recycleAfterErrors) s.retiring = true;
    } else {
      s.consecutiveErrors = 0;
    }
    if (s.inFlight > 0) return;
    if (s.retiring) {
      void this.recycle(s, `${s.consecutiveErrors} consecutive failed calls`);
      return;
    }
    s.idleSince = this.#o.clock.now();
    this.move(s, "Ready");
  }

  /** Terminates a failed instance and starts one in its place (unless closed, short of memory or backing off). */
  private async recycle(s: Slot, reason: string): Promise<void> {
    this.#recycled += 1;
    await this.stop(s, reason, true);
    if (this.mayStartUnclaimed() && this.liveCount() < this.spec.scaling.maxInstances) this.start("replacement");
  }

  private start(reason: string): Slot {
    const now = this.#o.clock.now();
    const s: Slot = {
      id: this.#newId(),
      order: this.#order++,
      state: "Initializing",
      instance: undefined,
      inFlight: 0,
      op: "starting",
      started: undefined,
      stopped: undefined,
      idleSince: now,
      pausedAt: now,
      consecutiveErrors: 0,
      responseMs: undefined,
      retiring: false,
    };
    this.emit(s, null, "Initializing", reason);
    this.#slots.push(s);
    s.started = this.track(this.warmUp(s));
    return s;
  }

  private async warmUp(s: Slot): Promise<SpearError | undefined> {
    this.move(s, "WarmingUp");
    try {
      s.instance = await this.#o.runtime.createInstance({
        instanceId: s.id,
        function: this.function,
        version: this.version,
        spec: this.spec,
        ...(this.#o.binary ? { binary: this.#o.binary } : {}),
      });
    } catch (e) {
      const error = new SpearError(
        "instance_start_failed",
        `instance ${s.id} of ${this.function} v${this.version} did not start: ${message(e)}`,
        { function: this.function, version: this.version, instanceId: s.id },
        { cause: e },
      );
      this.#o.logger?.warn({ function: this.function, version: this.version, instanceId: s.id, err: e }, "instance did not start");
      this.#startFailures += 1;
      const backoff = Math.min(this.settings.refillBackoff * 2 ** (this.#startFailures - 1), this.settings.refillBackoffMax);
      this.#refillNotBefore = this.#o.clock.now() + backoff;
      s.op = undefined;
      await this.stop(s, error.message, true);
      return error;
    }
    this.#startFailures = 0;
    s.op = undefined;
    s.idleSince = this.#o.clock.now();
    this.move(s, "Ready");
    return this.#closed ? this.poolClosed() : undefined;
  }

  private resume(s: Slot): Promise<boolean> {
    s.op = "resuming";
    const instance = s.instance;
    return this.track(
      (async () => {
        try {
          if (instance && isPausable(instance)) await instance.resume();
        } catch (e) {
          s.op = undefined;
          s.inFlight -= 1;
          await this.stop(s, `resume failed: ${message(e)}`, true);
          return false;
        }
        s.op = undefined;
        if (this.#closed) {
          s.inFlight -= 1;
          return false;
        }
        this.move(s, "Ready", "resumed");
        return true;
      })(),
    );
  }

  private cool(s: Slot): Promise<void> {
    s.op = "cooling";
    this.move(s, "CoolingDown", `idle for ${this.#o.clock.now() - s.idleSince} ms`);
    const instance = s.instance;
    return this.track(
      (async () => {
        try {
          if (instance && isPausable(instance)) await instance.pause();
        } catch (e) {
          s.op = undefined;
          await this.stop(s, `pause failed: ${message(e)}`, true);
          return;
        }
        s.op = undefined;
        s.pausedAt = this.#o.clock.now();
        this.move(s, "Paused");
      })(),
    );
  }

  /**
   * Terminates an instance; `failed` (or a state with work in it) routes it through Error.
   * Waits for the runtime to free it; a second call returns the same promise.
   */
  private stop(s: Slot, reason: string, failed = false): Promise<void> {
    if (s.stopped) return s.stopped;
    s.op = "stopping";
    const working = s.state === "Executing" || s.state === "Initializing" || s.state === "WarmingUp";
    if ((failed || working) && s.state !== "Error") this.move(s, "Error", reason);
    this.move(s, "Terminating", reason);
    const instance = s.instance;
    s.stopped = this.track(
      (async () => {
        try {
          await instance?.terminate();
        } catch (e) {
          this.#o.logger?.warn({ function: this.function, version: this.version, instanceId: s.id, err: e }, "instance did not terminate cleanly");
        }
        this.move(s, "Terminated");
        const i = this.#slots.indexOf(s);
        if (i >= 0) this.#slots.splice(i, 1);
      })(),
    );
    return s.stopped;
  }

  private move(s: Slot, to: InstanceState, reason?: string): void {
    this.emit(s, s.state, to, reason);
    s.state = to;
  }

  private emit(s: Slot, from: InstanceState | null, to: InstanceState, reason?: string): void {
    const ref = { nodeId: this.#o.nodeId, instanceId: s.id, function: this.function, version: this.version };
    // Throws illegal_transition before anything changes: a pool bug must not corrupt state silently.
    const event = instanceStateChanged(ref, from, to, new Date(this.#o.clock.now()).toISOString(), reason);
    try {
      this.#o.onTransition(event);
    } catch (e) {
      this.#o.logger?.error({ err: e, instanceId: s.id }, "instance transition listener failed");
    }
  }

  private isIdle(s: Slot): boolean {
    return s.op === undefined && s.inFlight === 0;
  }

  private isHot(s: Slot): boolean {
    return s.op === undefined && !s.retiring && (s.state === "Ready" || s.state === "Executing") && s.inFlight < this.settings.instanceConcurrency;
  }

  private isLiveSlot(s: Slot): boolean {
    return s.op !== "stopping" && s.state !== "Error" && s.state !== "Terminating" && s.state !== "Terminated";
  }

  private liveCount(): number {
    let n = 0;
    for (const s of this.#slots) if (this.isLiveSlot(s)) n += 1;
    return n;
  }

  /** The warm instance paused last: the older ones keep ageing towards their TTL. */
  private mostRecentlyPaused(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.#slots) if (s.state === "Paused" && this.isIdle(s) && (!best || s.pausedAt >= best.pausedAt)) best = s;
    return best;
  }

  private mayStartUnclaimed(): boolean {
    return !this.#closed && (this.#o.canRefill?.() ?? true) && this.#o.clock.now() >= this.#refillNotBefore;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.#pending.add(p);
    const forget = () => this.#pending.delete(p);
    p.then(forget, forget);
    return p;
  }

  private assertOpen(): void {
    if (this.#closed) throw this.poolClosed();
  }

  private poolClosed(): SpearError {
    return new SpearError("pool_closed", `the pool of ${this.function} v${this.version} is closed`, { function: this.function, version: this.version });
  }

  private saturated(): SpearError {
    const max = this.spec.scaling.maxInstances;
    return new SpearError("saturated", `all ${max} instances of ${this.function} v${this.version} are busy`, {
      scope: "instances",
      function: this.function,
      version: this.version,
      limit: max,
      inFlight: this.#slots.reduce((n, s) => n + s.inFlight, 0),
    });
  }
}

/** The call's outcome, or undefined when `signal` fires first (the call's own end is then ignored). */
function untilAborted<T>(call: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return call;
  if (signal.aborted) {
    call.catch(() => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => {
      call.catch(() => undefined);
      resolve(undefined);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    call.then(
      (v) => (signal.removeEventListener("abort", onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener("abort", onAbort), reject(e)),
    );
  });
}
