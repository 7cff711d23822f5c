import type { PlacementPolicy } from "../events/function.js";
import type { LanguagePair, RuntimeKind } from "../ids.js";
import { indexNodes, type NodeIndex } from "./node-index.js";
import { buildTable, patchTable, type NodeTable } from "./node-table.js";
import { indexPools, type PoolIndex, type PoolView } from "./snapshot-pools.js";
import { snapshotNode, type SchedulingNodeInput, type SnapshotNode } from "./snapshot-node.js";

/** What placement needs of a deployed version (a `FunctionSpec` fits as it is). */
export interface PlacementSpec {
  readonly runtime: RuntimeKind;
  readonly requirements: {
    readonly services: readonly string[];
    readonly langPair?: LanguagePair | undefined;
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly policy?: PlacementPolicy | undefined;
}

export interface SnapshotFunction {
  readonly name: string;
  /** The version a request without one runs; absent when the function is deactivated. */
  readonly activeVersion?: number | undefined;
  readonly versions: ReadonlyMap<number, PlacementSpec>;
}

/** The session domain's facts: the pool a session is bound to, with the pair it was bound for. */
export interface SnapshotSession {
  readonly id: string;
  readonly preferredPool?: string | undefined;
  readonly boundPair?: LanguagePair | undefined;
  readonly lastNode?: string | undefined;
  readonly tenant?: string | undefined;
}

/** Any keyed lookup: a `ReadonlyMap`, or a projection's state handed over without copying. */
export interface Lookup<V> {
  get(key: string): V | undefined;
}

export interface SchedulingSettings {
  /** Refuse (`no_eligible_pool`) instead of placing on any capable node when no pool fits. */
  readonly strict: boolean;
  /** tenant → the only pools its requests may use, in order of preference. */
  readonly tenantOverrides: Readonly<Record<string, readonly string[]>>;
}

export const defaultSettings: SchedulingSettings = { strict: false, tenantOverrides: {} };

/**
 * The immutable view the placement decision reads. The scheduler builds a new one whenever
 * its projections move and swaps it in whole; a decision holds one snapshot from start to
 * end and never awaits. Indexes are derived once per build, so a decision costs the size of
 * the candidate pools, not of the cluster.
 */
export interface RuntimeSnapshot {
  /** The log position the snapshot reflects (the caller's choice; for logs and tests). */
  readonly seq: number;
  readonly table: NodeTable;
  readonly nodeIndex: NodeIndex;
  readonly pools: PoolIndex;
  /** The pool views the index was built from, kept so a node-only update can re-weight them. */
  readonly poolViews: readonly PoolView[];
  readonly functions: Lookup<SnapshotFunction>;
  readonly sessions: Lookup<SnapshotSession>;
  readonly settings: SchedulingSettings;
}

export interface SnapshotInput {
  readonly seq?: number;
  readonly nodes: Iterable<SchedulingNodeInput>;
  /** In ring order, members already computed by the control plane. */
  readonly pools: readonly PoolView[];
  readonly functions: Lookup<SnapshotFunction> | Iterable<SnapshotFunction>;
  readonly sessions?: Lookup<SnapshotSession> | Iterable<SnapshotSession>;
  readonly settings?: SchedulingSettings;
}

const isLookup = <V>(x: Lookup<V> | Iterable<V>): x is Lookup<V> => typeof (x as Lookup<V>).get === "function";

function lookupOf<V>(x: Lookup<V> | Iterable<V>, keyOf: (v: V) => string): Lookup<V> {
  if (isLookup(x)) return x;
  const m = new Map<string, V>();
  for (const v of x) m.set(keyOf(v), v);
  return m;
}

export function createSnapshot(input: SnapshotInput): RuntimeSnapshot {
  const table = buildTable(Array.from(input.nodes, snapshotNode));
  return {
    seq: input.seq ?? 0,
    table,
    nodeIndex: indexNodes(table),
    pools: indexPools(input.pools, table),
    poolViews: input.pools,
    functions: lookupOf(input.functions, (f) => f.name),
    sessions: lookupOf(input.sessions ?? [], (s) => s.id),
    settings: input.settings ?? defaultSettings,
  };
}

/** A node of the snapshot by id. */
export function nodeOf(snapshot: RuntimeSnapshot, id: string): SnapshotNode | undefined {
  const i = snapshot.table.indexOf.get(id);
  return i === undefined ? undefined : snapshot.table.nodes[i];
}

export interface SnapshotChange {
  readonly seq?: number;
  /** Replaces every node. */
  readonly nodes?: Iterable<SchedulingNodeInput>;
  /** Adds or replaces these nodes, keeping the others. */
  readonly upsertNodes?: Iterable<SchedulingNodeInput>;
  readonly removeNodes?: Iterable<string>;
  readonly pools?: readonly PoolView[];
  readonly functions?: Lookup<SnapshotFunction> | Iterable<SnapshotFunction>;
  readonly sessions?: Lookup<SnapshotSession> | Iterable<SnapshotSession>;
  readonly settings?: SchedulingSettings;
}

/**
 * A new snapshot from an old one and what changed (copy-on-write): unchanged parts are
 * shared. Changed nodes keep their node numbers, so the frequent case (usage from status
 * reports) copies the node columns and rebuilds the node index, and the pool index is
 * rebuilt only when pools, node weights or the set of nodes changed.
 */
export function updateSnapshot(prev: RuntimeSnapshot, change: SnapshotChange): RuntimeSnapshot {
  let table = prev.table;
  let repool = change.pools !== undefined;
  if (change.nodes) {
    table = buildTable(Array.from(change.nodes, snapshotNode));
    repool = true;
  } else if (change.upsertNodes || change.removeNodes) {
    const upserts = Array.from(change.upsertNodes ?? [], snapshotNode);
    const patched = patchTable(prev.table, upserts, change.removeNodes ?? []);
    table = patched.table;
    repool ||= patched.appended || upserts.some((n) => nodeOf(prev, n.id)?.weight !== n.weight);
  }
  const poolViews = change.pools ?? prev.poolViews;
  return {
    seq: change.seq ?? prev.seq,
    table,
    nodeIndex: table === prev.table ? prev.nodeIndex : indexNodes(table),
    pools: repool ? indexPools(poolViews, table) : prev.pools,
    poolViews,
    functions: change.functions ? lookupOf(change.functions, (f) => f.name) : prev.functions,
    sessions: change.sessions ? lookupOf(change.sessions, (s) => s.id) : prev.sessions,
    settings: change.settings ?? prev.settings,
  };
}
