import type { FunctionView } from "../function/view.js";
import type { NodeUsageView } from "../node/usage.js";
import type { NodeView as RegistryNode } from "../node/view.js";
import type { SessionView } from "../session/view.js";
import type { PoolView } from "./snapshot-pools.js";
import type { Lookup, SnapshotFunction, SnapshotSession } from "./snapshot.js";
import type { SchedulingNodeInput } from "./snapshot-node.js";

/**
 * The scheduler's view of a node, joined from the node registry (what the log says) and the
 * latest status report (load, warm instances). Deregistered nodes take no work and are left
 * out; a node whose spearlet says it is shutting down is unhealthy.
 */
export function schedulingNode(node: RegistryNode, usage: NodeUsageView | undefined): SchedulingNodeInput | undefined {
  if (node.state === "deregistered") return undefined;
  return {
    id: node.id,
    state: node.state,
    healthy: usage?.draining !== true,
    capabilities: node.capabilities,
    slots: node.capacity.slots,
    ...(usage
      ? {
          usage: {
            cpuPercent: usage.usage.cpuPercent,
            memoryPercent: usage.usage.memoryPercent,
            running: usage.usage.running,
            load1: usage.usage.load1,
          },
          instances: usage.instances,
        }
      : {}),
  };
}

/** A function as placement reads it; its `FunctionSpec`s serve as placement specs unchanged. */
export function schedulingFunction(view: FunctionView): SnapshotFunction | undefined {
  if (view.deleted) return undefined;
  return {
    name: view.name,
    activeVersion: view.activeVersion ?? undefined,
    versions: new Map(view.versions.map((v) => [v.version, v.spec])),
  };
}

/** A session's affinity plus the node its last call went to (for spread). */
export function schedulingSession(id: string, view: SessionView | undefined, lastNode: string | undefined): SnapshotSession | undefined {
  if (!view && !lastNode) return undefined;
  const bound = view && !view.ended && view.poolId !== null;
  return {
    id,
    ...(bound ? { preferredPool: view.poolId!, ...(view.langPair ? { boundPair: view.langPair } : {}) } : {}),
    ...(view?.tenant ? { tenant: view.tenant } : {}),
    ...(lastNode ? { lastNode } : {}),
  };
}

/**
 * A lookup over a projection's documents that converts each one the first time it is asked
 * for, and remembers the conversion per document object: documents are immutable, so a
 * document that did not change between two states is converted once.
 */
export function convertingLookup<D extends object, V>(docs: ReadonlyMap<string, D>, convert: (doc: D, key: string) => V | undefined, memo: WeakMap<D, { v: V | undefined }>): Lookup<V> {
  return {
    get(key) {
      const doc = docs.get(key);
      if (!doc) return undefined;
      let hit = memo.get(doc);
      if (!hit) {
        hit = { v: convert(doc, key) };
        memo.set(doc, hit);
      }
      return hit.v;
    },
  };
}

export type { PoolView };
