import type { PoolDefinition } from "../events/pool.js";
import { defaultPoolSettings, type PoolSettings } from "./commands.js";

/** A pool with its members, as `spear pools ls` and the scheduler's snapshot see it. */
export interface PoolDoc {
  readonly kind: "pool";
  readonly id: string;
  readonly definition: PoolDefinition;
  readonly generated: boolean;
  /** The languages every member speaks (null: any-to-any, no condition). */
  readonly languages: readonly string[] | null;
  /** Member node ids, sorted. */
  readonly members: readonly string[];
}
/** A node's membership facts, for nodes that are not deregistered. */
export interface PoolNodeDoc {
  readonly kind: "node";
  readonly id: string;
  readonly services: readonly string[];
  readonly languages: readonly string[];
  /** In ring order. */
  readonly pools: readonly string[];
}
export interface PoolCatalogDoc {
  readonly kind: "catalog";
  readonly configured: readonly string[];
  readonly generated: readonly string[];
}
export interface PoolSettingsDoc {
  readonly kind: "settings";
  readonly settings: PoolSettings;
}
/** Nodes (not deregistered) that advertise one language or offer one service. */
export interface CapabilityDoc {
  readonly kind: "language" | "service";
  readonly name: string;
  readonly nodes: readonly string[];
}
export type PoolIndexDoc = PoolDoc | PoolNodeDoc | PoolCatalogDoc | PoolSettingsDoc | CapabilityDoc;

/**
 * The pool index as keyed documents, which `evolvePoolIndex` replaces (never mutates) one by
 * one: kept as many small documents, one per read-model key, so that a node event rewrites
 * only the few it touches. A `Map` fits, and so does a projection's document writer.
 */
export interface PoolIndexDocs {
  get(key: string): PoolIndexDoc | undefined;
  set(key: string, doc: PoolIndexDoc): void;
  delete(key: string): void;
  keys(): IterableIterator<string>;
}
type Readable = Pick<PoolIndexDocs, "get">;

/** Languages and services are free text; anything outside the KV key alphabet is encoded. */
const keyPart = (s: string) => (/^[A-Za-z0-9_-]+$/.test(s) ? s : `=${Buffer.from(s, "utf8").toString("base64url")}`);
export const poolIndexKeys = {
  settings: "settings",
  catalog: "catalog",
  pool: (id: string) => `pool.${id}`,
  node: (id: string) => `node.${id}`,
  nodePrefix: "node.",
  language: (l: string) => `language.${keyPart(l)}`,
  service: (s: string) => `service.${keyPart(s)}`,
};

/** The documents before any event: default settings, no pools. */
export const initialPoolIndex = (): Map<string, PoolIndexDoc> =>
  new Map<string, PoolIndexDoc>([
    [poolIndexKeys.settings, { kind: "settings", settings: defaultPoolSettings }],
    [poolIndexKeys.catalog, { kind: "catalog", configured: [], generated: [] }],
  ]);

export const docOfKind = <K extends PoolIndexDoc["kind"]>(docs: Readable, key: string, kind: K) => {
  const d = docs.get(key);
  return d?.kind === kind ? (d as Extract<PoolIndexDoc, { kind: K }>) : undefined;
};
export const catalogOf = (docs: Readable): PoolCatalogDoc =>
  docOfKind(docs, poolIndexKeys.catalog, "catalog") ?? { kind: "catalog", configured: [], generated: [] };
export const settingsOf = (docs: Readable): PoolSettings => docOfKind(docs, poolIndexKeys.settings, "settings")?.settings ?? defaultPoolSettings;
export const poolOf = (docs: Readable, id: string) => docOfKind(docs, poolIndexKeys.pool(id), "pool");
export const nodeDocOf = (docs: Readable, id: string) => docOfKind(docs, poolIndexKeys.node(id), "node");
