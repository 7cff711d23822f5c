import type { RuntimeKind } from "../ids.js";
import type { NodeTable } from "./node-table.js";

/** Lookups over nodes that do not depend on pools, by node number. */
export interface NodeIndex {
  /** `function@version` → nodes reporting ready instances of it, most ready first. */
  readonly warm: ReadonlyMap<string, readonly number[]>;
  /** runtime → nodes offering it: the candidates when no pool fits and strict mode is off. */
  readonly byRuntime: ReadonlyMap<RuntimeKind, readonly number[]>;
}

export function indexNodes(table: NodeTable): NodeIndex {
  const warmEntries = new Map<string, { i: number; ready: number }[]>();
  const byRuntime = new Map<RuntimeKind, number[]>();
  table.nodes.forEach((node, i) => {
    if (!node) return;
    for (const [key, ready] of node.warm) {
      const list = warmEntries.get(key);
      if (list) list.push({ i, ready });
      else warmEntries.set(key, [{ i, ready }]);
    }
    for (const r of node.runtimes) {
      const list = byRuntime.get(r);
      if (list) list.push(i);
      else byRuntime.set(r, [i]);
    }
  });
  const warm = new Map<string, readonly number[]>();
  for (const [key, list] of warmEntries) warm.set(key, list.sort((a, b) => b.ready - a.ready).map((e) => e.i));
  return { warm, byRuntime };
}
