import type { Logger } from "pino";
import { SpearError } from "../../../domain/errors.js";
import type { FunctionSpec } from "../../../domain/events/function.js";
import type { InstanceState, InstanceStateChanged } from "../../../domain/events/instance.js";
import type { InstanceSummary } from "../../../domain/events/status.js";
import type { RuntimeKind } from "../../../domain/ids.js";
import { parseConfig } from "../../config.js";
import type { CallOptions, Runtime, SharedBinary } from "../runtime/runtime.js";
import { systemClock, type Clock } from "./clock.js";
import { InstancePool, type PoolCall, type PoolStats, type PrewarmResult } from "./instance-pool.js";
import { pickMemoryVictims } from "./memory-victims.js";
import type { BinaryLease } from "../binaries/binary-cache.js";
import { PoolManagerSettings, type PoolManagerSettingsInput, type InstancePoolSettingsInput } from "./settings.js";

/** Gets the shared binary a function version runs (the spearlet's binary cache); undefined when it has no artifact. */
export type BinarySource = (spec: FunctionSpec) => Promise<BinaryLease | undefined>;

export interface PoolManagerOptions {
  readonly nodeId: string;
  readonly runtimes: Partial<Record<RuntimeKind, Runtime>>;
  readonly binaries?: BinarySource;
  readonly settings?: PoolManagerSettingsInput;
  /** Node memory in use, percent 0..100 (see node-memory.ts); no memory-pressure reclamation without it. */
  readonly memoryPercent?: () => number | Promise<number>;
  readonly clock?: Clock;
  readonly onTransition: (event: InstanceStateChanged) => void;
  readonly newInstanceId?: (fn: string, version: number) => string;
  readonly logger?: Logger;
}

export interface SweepResult {
  readonly memoryPercent: number | undefined;
  /** Instances terminated to relieve memory pressure. */
  readonly reclaimedForMemory: number;
}

interface Entry {
  readonly pool: InstancePool;
  readonly lease: BinaryLease | undefined;
}

const keyOf = (fn: string, version: number) => `${fn}@${version}`;

/**
 * The pools of every function version on the node: created on first use or at deploy (then
 * prewarmed), dropped when a version is deleted, and swept periodically: idle reclamation,
 * memory-pressure reclamation across all pools, refills to minWarm.
 */
export class PoolManager {
  readonly settings: PoolManagerSettings;
  readonly #o: PoolManagerOptions;
  readonly #clock: Clock;
  /** Pools being created or created; a failed creation is removed so the next use retries. */
  readonly #entries = new Map<string, Promise<Entry>>();
  readonly #ready = new Map<string, Entry>();
  #stopTimer: (() => void) | undefined;
  #sweeping: Promise<SweepResult> | undefined;
  #lastMemory: number | undefined;
  #closed = false;

  constructor(options: PoolManagerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.settings = parseConfig(PoolManagerSettings, options.settings ?? {}, "pool settings");
  }

  /** Whether the last memory sample was at or above the high mark. */
  get underMemoryPressure(): boolean {
    return this.#lastMemory !== undefined && this.#lastMemory >= this.settings.memoryHighPercent;
  }

  /** Creates the version's pool if needed and prewarms it to `scaling.minWarm`. */
  async deploy(fn: string, version: number, spec: FunctionSpec, settings?: InstancePoolSettingsInput): Promise<PrewarmResult> {
    return (await this.ensure(fn, version, spec, settings)).pool.prewarm();
  }

  /** Runs one call in the version's pool, creating the pool on first use. */
  async invoke(fn: string, version: number, spec: FunctionSpec, input: unknown, opts: CallOptions): Promise<PoolCall> {
    return (await this.ensure(fn, version, spec)).pool.invoke(input, opts);
  }

  pool(fn: string, version: number): InstancePool | undefined {
    return this.#ready.get(keyOf(fn, version))?.pool;
  }

  /** Closes the pools of one version, or of every version of the function, and releases their binaries. */
  async drop(fn: string, version?: number): Promise<void> {
    const keys = [...this.#entries.keys()].filter((k) => (version === undefined ? k.startsWith(`${fn}@`) : k === keyOf(fn, version)));
    await Promise.all(keys.map((k) => this.dropKey(k)));
  }

  /** One housekeeping pass; a pass already under way is joined rather than run twice. */
  sweep(): Promise<SweepResult> {
    this.#sweeping ??= this.runSweep().finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  /** Sweeps every `sweepEvery` until `close()`. */
  start(): void {
    if (this.#stopTimer || this.#closed) return;
    this.#stopTimer = this.#clock.every(this.settings.sweepEvery, () => {
      this.sweep().catch((e: unknown) => this.#o.logger?.error({ err: e }, "pool sweep failed"));
    });
  }

  summary(): InstanceSummary[] {
    return [...this.#ready.values()].map((e) => e.pool.summary());
  }

  stats(): PoolStats[] {
    return [...this.#ready.values()].map((e) => e.pool.stats());
  }

  /** The node's instances by function and lifecycle state (for metrics). */
  instanceStates(): { function: string; state: InstanceState; count: number }[] {
    return [...this.#ready.values()].flatMap((e) => [...e.pool.states()].map(([state, count]) => ({ function: e.pool.function, state, count })));
  }

  /** Instances alive on the node (for node stats). */
  instanceCount(): number {
    let n = 0;
    for (const e of this.#ready.values()) n += e.pool.summary().total;
    return n;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stopTimer?.();
    this.#stopTimer = undefined;
    await this.#sweeping?.catch(() => undefined);
    await Promise.all([...this.#entries.keys()].map((k) => this.dropKey(k)));
  }

  private ensure(fn: string, version: number, spec: FunctionSpec, settings?: InstancePoolSettingsInput): Promise<Entry> {
    if (this.#closed) return Promise.reject(new SpearError("pool_closed", "the node's pools are closed", { function: fn, version }));
    const key = keyOf(fn, version);
    let entry = this.#entries.get(key);
    if (!entry) {
      const created = this.create(fn, version, spec, settings);
      this.#entries.set(key, created);
      // Only while still current: a drop during creation must not bring the pool back.
      created.then(
        (e) => this.#entries.get(key) === created && this.#ready.set(key, e),
        () => this.#entries.get(key) === created && this.#entries.delete(key),
      );
      entry = created;
    }
    return entry;
  }

  private async create(fn: string, version: number, spec: FunctionSpec, settings?: InstancePoolSettingsInput): Promise<Entry> {
    const runtime = this.#o.runtimes[spec.runtime];
    if (!runtime) throw new SpearError("instance_start_failed", `this node has no ${spec.runtime} runtime`, { function: fn, version, runtime: spec.runtime });
    const lease = await this.#o.binaries?.(spec);
    const newId = this.#o.newInstanceId;
    const pool = new InstancePool({
      nodeId: this.#o.nodeId,
      function: fn,
      version,
      spec,
      runtime,
      ...(lease ? { binary: lease.binary } : {}),
      settings: { ...this.settings.pool, ...settings },
      clock: this.#clock,
      onTransition: this.#o.onTransition,
      canRefill: () => this.#lastMemory === undefined || this.#lastMemory < this.settings.memoryRefillBelowPercent,
      ...(newId ? { newInstanceId: () => newId(fn, version) } : {}),
      ...(this.#o.logger ? { logger: this.#o.logger } : {}),
    });
    return { pool, lease };
  }

  private async dropKey(key: string): Promise<void> {
    const pending = this.#entries.get(key);
    if (!pending) return;
    this.#entries.delete(key);
    this.#ready.delete(key);
    let entry: Entry;
    try {
      entry = await pending;
    } catch {
      return;
    }
    await entry.pool.close();
    try {
      await entry.lease?.release();
    } catch (e) {
      this.#o.logger?.warn({ err: e, pool: key }, "releasing a shared binary failed");
    }
  }

  private async runSweep(): Promise<SweepResult> {
    const pools = [...this.#ready.values()].map((e) => e.pool);
    let reclaimedForMemory = 0;
    if (this.#o.memoryPercent) {
      const high = this.settings.memoryHighPercent;
      this.#lastMemory = await this.#o.memoryPercent();
      if (this.#lastMemory >= high) {
        // One at a time, sampling again after each, so no more is taken than the pressure needs.
        for (const victim of pickMemoryVictims(pools)) {
          const reason = `memory pressure: ${this.#lastMemory.toFixed(1)} % in use (high mark ${high} %)`;
          if (await victim.pool.reclaim(victim.instanceId, reason)) reclaimedForMemory += 1;
          this.#lastMemory = await this.#o.memoryPercent();
          if (this.#lastMemory < high) break;
        }
      }
    }
    await Promise.all(pools.map((p) => p.reclaimIdle()));
    // Refills are not awaited: a slow start must not hold up the next sweep. Their failures are
    // reported as instance transitions and back off inside the pool.
    if (reclaimedForMemory === 0) for (const p of pools) void p.refill();
    return { memoryPercent: this.#lastMemory, reclaimedForMemory };
  }
}
