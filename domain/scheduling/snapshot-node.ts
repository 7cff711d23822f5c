import type { NodeCapabilities } from "../events/node.js";
import type { InstanceSummary } from "../events/status.js";
import type { RuntimeKind } from "../ids.js";

export type SchedulingNodeState = "online" | "draining" | "lost";

/** What the control plane's views know about one node; `snapshotNode` turns it into lookup form. */
export interface SchedulingNodeInput {
  readonly id: string;
  readonly state: SchedulingNodeState;
  /** False while the node reports itself unhealthy (the liveness view decides `lost` separately). */
  readonly healthy: boolean;
  readonly capabilities: NodeCapabilities;
  /** Registered capacity: the log is the truth for the slot count. */
  readonly slots: number;
  /** Latest reported usage; a node that has not reported yet counts as idle. */
  readonly usage?: { readonly cpuPercent: number; readonly memoryPercent: number; readonly running: number; readonly load1?: number };
  /** Instance summaries from the latest status report: ready counts per function version. */
  readonly instances?: readonly Pick<InstanceSummary, "function" | "version" | "ready">[];
  /** Share for weighted round-robin; 1 when absent. */
  readonly weight?: number;
}

/** A node as the decision reads it: sets for O(1) capability checks, usage flattened. */
export interface SnapshotNode {
  readonly id: string;
  readonly state: SchedulingNodeState;
  readonly healthy: boolean;
  readonly slots: number;
  readonly weight: number;
  readonly runtimes: ReadonlySet<RuntimeKind>;
  readonly services: ReadonlySet<string>;
  readonly languages: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly running: number;
  readonly cpuPercent: number;
  readonly memoryPercent: number;
  readonly load1: number;
  /** `function@version` → ready instances. */
  readonly warm: ReadonlyMap<string, number>;
}

export const warmKey = (fn: string, version: number): string => `${fn}@${version}`;

export function snapshotNode(view: SchedulingNodeInput): SnapshotNode {
  const warm = new Map<string, number>();
  for (const i of view.instances ?? []) if (i.ready > 0) warm.set(warmKey(i.function, i.version), i.ready);
  return {
    id: view.id,
    state: view.state,
    healthy: view.healthy,
    slots: view.slots,
    weight: Math.max(1, Math.round(view.weight ?? 1)),
    runtimes: new Set(view.capabilities.runtimes),
    services: new Set(view.capabilities.services),
    languages: view.capabilities.languages,
    labels: view.capabilities.labels,
    running: view.usage?.running ?? 0,
    cpuPercent: view.usage?.cpuPercent ?? 0,
    memoryPercent: view.usage?.memoryPercent ?? 0,
    load1: view.usage?.load1 ?? 0,
    warm,
  };
}
