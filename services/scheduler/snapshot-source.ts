import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { FunctionView } from "../../domain/function/view.js";
import type { NodeUsageView } from "../../domain/node/usage.js";
import type { NodeView as RegistryNode } from "../../domain/node/view.js";
import type { PoolIndexDoc } from "../../domain/pool/index-docs.js";
import { readPoolIndex } from "../../domain/pool/index-read.js";
import { convertingLookup, schedulingFunction, schedulingNode, schedulingSession } from "../../domain/scheduling/from-views.js";
import { createSnapshot, updateSnapshot, type Lookup, type RuntimeSnapshot, type SnapshotFunction, type SnapshotSession } from "../../domain/scheduling/snapshot.js";
import type { SchedulingNodeInput } from "../../domain/scheduling/snapshot-node.js";
import type { SessionView } from "../../domain/session/view.js";
import { functionCatalog } from "../../projections/definitions/function-catalog.js";
import { nodeRegistry } from "../../projections/definitions/node-registry.js";
import { nodeUsage } from "../../projections/definitions/node-usage.js";
import { poolIndex } from "../../projections/definitions/pool-index.js";
import { sessionLastNode, type SessionLastNode } from "../../projections/definitions/session-last-node.js";
import { sessionTable } from "../../projections/definitions/session-table.js";
import { MemoryHost } from "../../projections/memory-host.js";
import type { Projection } from "../../projections/projection.js";

/** `capacity`: nodes, their reports, pools, functions or sessions changed, not only where sessions last ran. */
export type SnapshotListener = (s: RuntimeSnapshot, capacity: boolean) => void;

/**
 * The scheduler's runtime snapshot, kept current by in-memory projections of the control
 * events, the status reports and the assignments. Whenever one of them swaps its state, a
 * new snapshot is derived (copy-on-write: status reports only touch the nodes they name) and
 * swapped in whole; decisions read `snapshot` and never wait.
 */
export class SnapshotSource {
  readonly nodes: MemoryHost<RegistryNode>;
  readonly usage: MemoryHost<NodeUsageView>;
  readonly functions: MemoryHost<FunctionView>;
  readonly pools: MemoryHost<PoolIndexDoc>;
  readonly sessions: MemoryHost<SessionView>;
  readonly lastNodes: MemoryHost<SessionLastNode>;
  private current: RuntimeSnapshot;
  private seen = { nodes: new Map() as ReadonlyMap<string, unknown>, usage: new Map() as ReadonlyMap<string, unknown>, pools: new Map() as ReadonlyMap<string, unknown> };
  private dirty = false;
  /** Until `start` has the log folded nobody reads a snapshot: deriving one per batch of the catch-up would be work thrown away. */
  private started = false;
  /** Nodes whose latest report changed since the last snapshot. */
  private reported = new Set<string>();
  /** Whether what changed since the last snapshot may have freed capacity (anything but where sessions last ran). */
  private capacityChanged = false;
  private readonly listeners = new Set<SnapshotListener>();
  private readonly functionMemo = new WeakMap<FunctionView, { v: SnapshotFunction | undefined }>();
  private builds = 0;

  /** `snapshots`: start the projections from their snapshots where usable. */
  constructor(js: JetStreamClient, log: Logger, snapshots = false) {
    const host = <D>(p: Projection<D>) => new MemoryHost<D>(js, p, log, { snapshots });
    this.nodes = host(nodeRegistry);
    this.usage = host(nodeUsage);
    this.functions = host(functionCatalog);
    this.pools = host(poolIndex);
    this.sessions = host(sessionTable);
    this.lastNodes = host(sessionLastNode);
    this.current = createSnapshot({ nodes: [], pools: [], functions: new Map() });
    // A batch that changed no document (assignments without a session, for the last-node fold)
    // makes no new snapshot: at one assignment per call, it would be one snapshot per call.
    for (const h of this.hosts()) h.subscribe((_state, _seq, changed) => changed.size > 0 && this.markDirty(h !== this.lastNodes));
    this.usage.subscribe((_state, _seq, changed) => {
      // The first snapshot takes every node.
      if (this.started) for (const id of changed) this.reported.add(id);
    });
  }

  get snapshot(): RuntimeSnapshot {
    return this.current;
  }

  /** How many snapshots were derived (for stats). */
  get buildCount(): number {
    return this.builds;
  }

  functionView(name: string): FunctionView | undefined {
    return this.functions.state.get(name);
  }

  onChange(listener: SnapshotListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once every projection holds what the log had at start, with a snapshot built from it. */
  async start(): Promise<void> {
    await Promise.all(this.hosts().map((h) => h.start()));
    this.started = true;
    this.rebuild();
  }

  async stop(): Promise<void> {
    await Promise.all(this.hosts().map((h) => h.stop()));
  }

  private hosts() {
    return [this.nodes, this.usage, this.functions, this.pools, this.sessions, this.lastNodes] as const;
  }

  /** Resolves once the snapshot holds every assignment up to stream sequence `seq`; false if not within `timeoutMs`. */
  async assignmentsFolded(seq: number, timeoutMs: number): Promise<boolean> {
    if (!(await this.lastNodes.reached(seq, timeoutMs))) return false;
    // The host has them; the snapshot derived from it follows in this turn's setImmediate.
    if (this.dirty) await new Promise<void>((resolve) => {
      const off = this.onChange(() => {
        off();
        resolve();
      });
    });
    return true;
  }

  private markDirty(capacity: boolean): void {
    this.capacityChanged ||= capacity;
    if (this.dirty || !this.started) return;
    this.dirty = true;
    // Swaps of several projections in one turn of the event loop make one snapshot.
    setImmediate(() => this.rebuild());
  }

  private rebuild(): void {
    this.dirty = false;
    const nodes = this.nodes.state;
    const usage = this.usage.state;
    const pools = this.pools.state;
    const seq = Math.max(...this.hosts().map((h) => h.lastSeq));
    const settings = readPoolIndex(pools).settings();
    const change = {
      seq,
      functions: convertingLookup(this.functions.state, schedulingFunction, this.functionMemo),
      sessions: this.sessionLookup(),
      settings: { strict: settings.strict, tenantOverrides: settings.tenantOverrides },
    };
    if (nodes !== this.seen.nodes || pools !== this.seen.pools || this.builds === 0) {
      this.current = updateSnapshot(this.current, { ...change, nodes: this.allNodes(nodes, usage), pools: readPoolIndex(pools).pools() });
    } else if (usage !== this.seen.usage) {
      this.current = updateSnapshot(this.current, { ...change, upsertNodes: this.reportedNodes(nodes, usage) });
    } else {
      this.current = updateSnapshot(this.current, change);
    }
    this.seen = { nodes, usage, pools };
    this.reported = new Set();
    this.builds++;
    const capacity = this.capacityChanged || this.builds === 1;
    this.capacityChanged = false;
    for (const l of this.listeners) l(this.current, capacity);
  }

  private allNodes(nodes: ReadonlyMap<string, RegistryNode>, usage: ReadonlyMap<string, NodeUsageView>): SchedulingNodeInput[] {
    const out: SchedulingNodeInput[] = [];
    for (const n of nodes.values()) {
      const v = schedulingNode(n, usage.get(n.id));
      if (v) out.push(v);
    }
    return out;
  }

  /** Only the nodes whose latest report changed: the work follows the reports, not the fleet. */
  private reportedNodes(nodes: ReadonlyMap<string, RegistryNode>, usage: ReadonlyMap<string, NodeUsageView>): SchedulingNodeInput[] {
    const out: SchedulingNodeInput[] = [];
    for (const id of this.reported) {
      const n = nodes.get(id);
      const v = n && schedulingNode(n, usage.get(id));
      if (v) out.push(v);
    }
    return out;
  }

  private sessionLookup(): Lookup<SnapshotSession> {
    const sessions = this.sessions.state;
    const last = this.lastNodes.state;
    return { get: (id) => schedulingSession(id, sessions.get(id), last.get(id)?.nodeId) };
  }
}
