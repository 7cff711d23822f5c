import type { RuntimeKind } from "../ids.js";
import type { SnapshotNode } from "./snapshot-node.js";

export const runtimeBit: Readonly<Record<RuntimeKind, number>> = { wasm: 1, process: 2, container: 4 };

/** Status codes: what the filter needs of a node's liveness in one byte. */
export const Status = { removed: 0, online: 1, draining: 2, lost: 3, healthy: 8 } as const;

/**
 * The nodes as columns, indexed by a node number that stays fixed while the node exists.
 * The hot loop of a decision reads these contiguous arrays instead of chasing thousands of
 * node objects across the heap, which at 10,000 nodes is what a scan mostly spends its time on.
 */
export interface NodeTable {
  /** Node number → node; undefined once removed (its number is not reused until a full rebuild). */
  readonly nodes: readonly (SnapshotNode | undefined)[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** `Status` code, plus `Status.healthy` when the node reports healthy. */
  readonly status: Uint8Array;
  /** `runtimeBit`s of the runtimes the node offers. */
  readonly runtimes: Uint8Array;
  readonly running: Int32Array;
  readonly slots: Int32Array;
  readonly cpu: Float64Array;
  readonly memory: Float64Array;
}

const statusOf = (n: SnapshotNode) => Status[n.state] + (n.healthy ? Status.healthy : 0);

function write(t: Mutable, i: number, n: SnapshotNode): void {
  t.nodes[i] = n;
  t.status[i] = statusOf(n);
  let bits = 0;
  for (const r of n.runtimes) bits |= runtimeBit[r];
  t.runtimes[i] = bits;
  t.running[i] = n.running;
  t.slots[i] = n.slots;
  t.cpu[i] = n.cpuPercent;
  t.memory[i] = n.memoryPercent;
}

interface Mutable {
  nodes: (SnapshotNode | undefined)[];
  indexOf: Map<string, number>;
  status: Uint8Array;
  runtimes: Uint8Array;
  running: Int32Array;
  slots: Int32Array;
  cpu: Float64Array;
  memory: Float64Array;
}

function allocate(size: number, nodes: (SnapshotNode | undefined)[], indexOf: Map<string, number>): Mutable {
  return {
    nodes,
    indexOf,
    status: new Uint8Array(size),
    runtimes: new Uint8Array(size),
    running: new Int32Array(size),
    slots: new Int32Array(size),
    cpu: new Float64Array(size),
    memory: new Float64Array(size),
  };
}

/** Last one wins when an id comes twice, so every id has exactly one node number. */
const byId = (nodes: Iterable<SnapshotNode>): SnapshotNode[] => [...new Map(Array.from(nodes, (n) => [n.id, n])).values()];

export function buildTable(nodes: Iterable<SnapshotNode>): NodeTable {
  const list = byId(nodes);
  const t = allocate(list.length, new Array<SnapshotNode | undefined>(list.length), new Map());
  list.forEach((n, i) => {
    t.indexOf.set(n.id, i);
    write(t, i, n);
  });
  return t;
}

/**
 * A new table from an old one: changed nodes keep their number, new nodes are appended and
 * removed ones leave a hole, so pool member numbers stay valid. `appended` tells the caller
 * that pools naming the new nodes must be indexed again.
 */
export function patchTable(prev: NodeTable, changed: readonly SnapshotNode[], removals: Iterable<string>): { table: NodeTable; appended: boolean } {
  const upserts = byId(changed);
  const fresh = upserts.filter((n) => !prev.indexOf.has(n.id));
  const removed = [...removals].filter((id) => prev.indexOf.has(id));
  const size = prev.nodes.length + fresh.length;
  const indexOf = fresh.length || removed.length ? new Map(prev.indexOf) : (prev.indexOf as Map<string, number>);
  const t = allocate(size, prev.nodes.slice(), indexOf);
  t.status.set(prev.status);
  t.runtimes.set(prev.runtimes);
  t.running.set(prev.running);
  t.slots.set(prev.slots);
  t.cpu.set(prev.cpu);
  t.memory.set(prev.memory);
  t.nodes.length = size;
  fresh.forEach((n, k) => indexOf.set(n.id, prev.nodes.length + k));
  for (const n of upserts) write(t, indexOf.get(n.id)!, n);
  for (const id of removed) {
    const i = indexOf.get(id)!;
    indexOf.delete(id);
    t.nodes[i] = undefined;
    t.status[i] = Status.removed;
  }
  return { table: t, appended: fresh.length > 0 };
}
