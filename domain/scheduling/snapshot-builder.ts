import type { PlacementPolicy } from "../events/function.js";
import type { PoolDefinition, PoolLanguages } from "../events/pool.js";
import type { LanguagePair, RuntimeKind } from "../ids.js";
import type { PoolView } from "./snapshot-pools.js";
import { createSnapshot, type PlacementSpec, type RuntimeSnapshot, type SnapshotFunction, type SnapshotSession } from "./snapshot.js";
import type { SchedulingNodeState, SchedulingNodeInput } from "./snapshot-node.js";

/** A node in a few words; everything left out takes an idle, online, one-runtime default. */
export interface NodeSketch {
  readonly state?: SchedulingNodeState;
  readonly healthy?: boolean;
  readonly runtimes?: readonly RuntimeKind[];
  readonly services?: readonly string[];
  readonly languages?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly slots?: number;
  readonly running?: number;
  readonly cpu?: number;
  readonly memory?: number;
  readonly weight?: number;
  /** `function@version` → ready instances. */
  readonly warm?: Readonly<Record<string, number>>;
}

export interface PoolSketch {
  readonly requiredServices?: readonly string[];
  /** Any-to-any when absent. */
  readonly languages?: Partial<PoolLanguages>;
}

export interface FunctionSketch {
  readonly version?: number;
  readonly active?: boolean;
  readonly runtime?: RuntimeKind;
  readonly services?: readonly string[];
  readonly langPair?: LanguagePair;
  readonly labels?: Readonly<Record<string, string>>;
  readonly policy?: PlacementPolicy;
}

/**
 * Hand-built snapshots for tests and benchmarks that read like the situation they describe:
 * `snapshotBuilder().node("a", { slots: 2 }).pool("p", ["a"]).fn("f").build()`.
 */
export class SnapshotBuilder {
  private readonly nodeViews = new Map<string, SchedulingNodeInput>();
  private readonly poolViews: PoolView[] = [];
  private readonly functionSpecs = new Map<string, { active?: number; versions: Map<number, PlacementSpec> }>();
  private readonly sessionViews = new Map<string, SnapshotSession>();
  private strictMode = false;
  private readonly overrides: Record<string, readonly string[]> = {};

  node(id: string, s: NodeSketch = {}): this {
    this.nodeViews.set(id, {
      id,
      state: s.state ?? "online",
      healthy: s.healthy ?? true,
      capabilities: {
        runtimes: [...(s.runtimes ?? ["wasm"])],
        services: [...(s.services ?? [])],
        languages: [...(s.languages ?? [])],
        labels: { ...(s.labels ?? {}) },
      },
      slots: s.slots ?? 4,
      usage: { cpuPercent: s.cpu ?? 0, memoryPercent: s.memory ?? 0, running: s.running ?? 0 },
      instances: Object.entries(s.warm ?? {}).map(([key, ready]) => {
        const at = key.lastIndexOf("@");
        return { function: key.slice(0, at), version: Number(key.slice(at + 1)), ready };
      }),
      ...(s.weight === undefined ? {} : { weight: s.weight }),
    });
    return this;
  }

  nodes(ids: readonly string[], s: NodeSketch = {}): this {
    for (const id of ids) this.node(id, s);
    return this;
  }

  /** Pools are kept in the order they are added: that is the ring order. */
  pool(id: string, members: readonly string[], s: PoolSketch = {}): this {
    const languages: PoolLanguages = s.languages
      ? { anyToAny: false, sources: [], targets: [], pairs: [], blocked: [], ...s.languages }
      : { anyToAny: true, sources: [], targets: [], pairs: [], blocked: [] };
    const definition: PoolDefinition = {
      name: id,
      requiredServices: [...(s.requiredServices ?? [])],
      languages,
      matchMode: "contains",
      generated: false,
    };
    this.poolViews.push({ id, definition, members });
    return this;
  }

  /** Adds a version (1 unless given), active unless `active: false`. */
  fn(name: string, s: FunctionSketch = {}): this {
    const version = s.version ?? 1;
    const entry = this.functionSpecs.get(name) ?? { versions: new Map<number, PlacementSpec>() };
    entry.versions.set(version, {
      runtime: s.runtime ?? "wasm",
      requirements: { services: s.services ?? [], langPair: s.langPair, labels: s.labels ?? {} },
      policy: s.policy,
    });
    if (s.active ?? true) entry.active = version;
    this.functionSpecs.set(name, entry);
    return this;
  }

  session(id: string, s: Omit<SnapshotSession, "id"> = {}): this {
    this.sessionViews.set(id, { id, ...s });
    return this;
  }

  strict(on = true): this {
    this.strictMode = on;
    return this;
  }

  tenant(tenant: string, pools: readonly string[]): this {
    this.overrides[tenant] = pools;
    return this;
  }

  build(seq = 0): RuntimeSnapshot {
    const functions: SnapshotFunction[] = [...this.functionSpecs].map(([name, f]) => ({ name, activeVersion: f.active, versions: f.versions }));
    return createSnapshot({
      seq,
      nodes: this.nodeViews.values(),
      pools: this.poolViews,
      functions,
      sessions: this.sessionViews.values(),
      settings: { strict: this.strictMode, tenantOverrides: { ...this.overrides } },
    });
  }
}

export const snapshotBuilder = (): SnapshotBuilder => new SnapshotBuilder();
