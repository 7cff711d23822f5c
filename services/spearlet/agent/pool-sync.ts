import type { Logger } from "pino";
import type { NodeCapabilities } from "../../../domain/events/node.js";
import type { FunctionView } from "../../../domain/function/view.js";
import type { ConcurrencyController } from "../concurrency/controller.js";
import type { PoolManager } from "../pool/pool-manager.js";
import { canRun } from "./runtimes.js";
import type { Catalog } from "./task-refs.js";

const keyOf = (fn: string, version: number) => `${fn}@${version}`;

/**
 * Keeps the node's pools in step with the TaskRef cache: the active version of every function
 * this node can run is prewarmed to `minWarm` (at start, on deploy, on activation); a version
 * that stops being active, and every version of a deleted function, has its pool dropped once
 * the calls running on it have ended.
 */
export class PoolSync {
  readonly #manager: PoolManager;
  readonly #controller: ConcurrencyController;
  readonly #caps: NodeCapabilities;
  readonly #log: Logger;
  readonly #calls = new Map<string, number>();
  /** Versions to drop when their last call ends. */
  readonly #retiring = new Map<string, { fn: string; version: number }>();
  #catalog: Catalog = new Map();
  #prewarming = true;

  constructor(o: { manager: PoolManager; controller: ConcurrencyController; capabilities: NodeCapabilities; log: Logger }) {
    this.#manager = o.manager;
    this.#controller = o.controller;
    this.#caps = o.capabilities;
    this.#log = o.log.child({ part: "pool-sync" });
  }

  /** No more prewarming (the node is draining). */
  stopPrewarming(): void {
    this.#prewarming = false;
  }

  /** One change of the catalog (at start: from empty to the whole catalog). */
  apply(before: Catalog, after: Catalog): void {
    this.#catalog = after;
    for (const [name, view] of after) {
      const old = before.get(name);
      if (old === view) continue;
      if (view.deleted) {
        if (!old?.deleted) this.#retireFunction(name, old);
        continue;
      }
      if (old?.activeVersion != null && old.activeVersion !== view.activeVersion) this.#retire(name, old.activeVersion);
      if (view.activeVersion !== null && (old?.deleted !== false || old.activeVersion !== view.activeVersion)) this.#prewarm(view, view.activeVersion);
    }
    // A resync can drop a function that was never deployed for good (a purged stream).
    for (const [name, old] of before) if (!after.has(name)) this.#retireFunction(name, old);
  }

  /** A call on `fn@version` starts in the pool. */
  begin(fn: string, version: number): void {
    const k = keyOf(fn, version);
    this.#calls.set(k, (this.#calls.get(k) ?? 0) + 1);
  }

  /** It ended: a version waiting to be dropped goes with its last call. */
  end(fn: string, version: number): void {
    const k = keyOf(fn, version);
    const left = (this.#calls.get(k) ?? 1) - 1;
    if (left > 0) {
      this.#calls.set(k, left);
      return;
    }
    this.#calls.delete(k);
    if (this.#retiring.has(k)) this.#retire(fn, version);
  }

  #prewarm(view: FunctionView, version: number): void {
    const spec = view.versions.find((v) => v.version === version)?.spec;
    if (!spec || !this.#prewarming || spec.scaling.minWarm === 0 || !canRun(this.#caps, spec)) return;
    this.#retiring.delete(keyOf(view.name, version));
    this.#manager.deploy(view.name, version, spec).then(
      (r) => this.#log.info({ function: view.name, version, ...r }, "prewarmed"),
      (e: unknown) => this.#log.warn({ err: e, function: view.name, version }, "prewarming failed"),
    );
  }

  #retireFunction(name: string, old: FunctionView | undefined): void {
    for (const v of old?.versions ?? []) this.#retire(name, v.version);
    this.#controller.forget(name);
  }

  #retire(fn: string, version: number): void {
    const k = keyOf(fn, version);
    const view = this.#catalog.get(fn);
    if (view && !view.deleted && view.activeVersion === version) {
      this.#retiring.delete(k);
      return;
    }
    if ((this.#calls.get(k) ?? 0) > 0) {
      this.#retiring.set(k, { fn, version });
      return;
    }
    this.#retiring.delete(k);
    this.#manager.drop(fn, version).then(
      () => this.#log.debug({ function: fn, version }, "dropped the pool of a version no longer active (if it had one)"),
      (e: unknown) => this.#log.warn({ err: e, function: fn, version }, "dropping a pool failed"),
    );
  }
}
