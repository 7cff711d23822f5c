import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { ErrorCode } from "../../../domain/errors.js";
import { resolveVersion, type FunctionView, type Resolved } from "../../../domain/function/view.js";
import { MemoryHost } from "../../../projections/memory-host.js";
import { functionCatalog } from "../../../projections/definitions/function-catalog.js";

export type Catalog = ReadonlyMap<string, FunctionView>;
export type CatalogListener = (before: Catalog, after: Catalog) => void;

/**
 * Codes that may only mean the cache has not folded the deploy yet. Not a retry class: both are
 * `final` once the cache has caught up; the question here is only whether it may lag.
 */
const notYet: ReadonlySet<ErrorCode> = new Set(["function_not_found", "version_not_found"]);

/**
 * The TaskRef cache: every function definition, folded locally from the event log by the
 * function-catalog projection in a MemoryHost, with its sync version (the stream sequence of
 * the last event folded). Listeners see each change as (before, after). After a reconnect
 * the whole catalog is folded again from the start in a fresh host and swapped in, so no
 * event missed while away can leave a stale definition behind.
 */
export class TaskRefCache {
  readonly #js: JetStreamClient;
  readonly #log: Logger;
  readonly #listeners = new Set<CatalogListener>();
  #host: MemoryHost<FunctionView>;
  #unsubscribe: () => void = () => undefined;
  #state: Catalog = new Map();
  #resyncing: Promise<void> | undefined;
  #stopped = false;
  readonly #snapshots: boolean;

  /** `snapshots`: start from the function catalog's snapshot where usable. */
  constructor(js: JetStreamClient, log: Logger, snapshots = false) {
    this.#js = js;
    this.#snapshots = snapshots;
    this.#log = log.child({ part: "taskrefs" });
    this.#host = this.#newHost();
  }

  get state(): Catalog {
    return this.#state;
  }

  /** The sync version: stream sequence of the last function event folded. */
  get seq(): number {
    return this.#host.lastSeq;
  }

  /** Resolves once every function event that existed at start is folded. */
  async start(): Promise<void> {
    this.#follow(this.#host);
    await this.#host.start();
  }

  /** Calls `listener(before, after)` on every change of the catalog. */
  onChange(listener: CatalogListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  resolve(fn: string, version?: number): Resolved {
    return resolveVersion(this.#state.get(fn), version, fn);
  }

  /**
   * The spec of `fn` version `version`, waiting up to `timeoutMs` for the cache to fold it
   * when it is not there yet (an assignment can overtake the deploy event by a moment).
   */
  async waitFor(fn: string, version: number, timeoutMs: number): Promise<Resolved> {
    const now = this.resolve(fn, version);
    if (now.ok || !notYet.has(now.error.code) || timeoutMs <= 0) return now;
    return new Promise<Resolved>((resolve) => {
      const done = (r: Resolved) => {
        clearTimeout(timer);
        off();
        resolve(r);
      };
      const off = this.onChange(() => {
        const r = this.resolve(fn, version);
        if (r.ok || !notYet.has(r.error.code)) done(r);
      });
      const timer = setTimeout(() => done(this.resolve(fn, version)), timeoutMs);
    });
  }

  /** Folds the catalog again from the start in a new host and swaps it in; overlapping calls share one. */
  resync(): Promise<void> {
    this.#resyncing ??= this.#resync().finally(() => (this.#resyncing = undefined));
    return this.#resyncing;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#resyncing?.catch(() => undefined);
    this.#unsubscribe();
    await this.#host.stop();
  }

  async #resync(): Promise<void> {
    const fresh = this.#newHost();
    const old = this.#host;
    try {
      await fresh.start();
    } catch (e) {
      await fresh.stop();
      throw e;
    }
    if (this.#stopped) {
      await fresh.stop();
      return;
    }
    this.#unsubscribe();
    this.#host = fresh;
    this.#follow(fresh);
    this.#apply(fresh.state);
    await old.stop();
    this.#log.info({ seq: fresh.lastSeq, functions: fresh.state.size }, "TaskRef cache resynced");
  }

  #newHost(): MemoryHost<FunctionView> {
    return new MemoryHost(this.#js, functionCatalog, this.#log, { snapshots: this.#snapshots });
  }

  #follow(host: MemoryHost<FunctionView>): void {
    this.#unsubscribe = host.subscribe((state) => this.#apply(state));
  }

  #apply(next: Catalog): void {
    const before = this.#state;
    this.#state = next;
    for (const l of this.#listeners) {
      try {
        l(before, next);
      } catch (e) {
        this.#log.error({ err: e }, "a TaskRef cache listener failed");
      }
    }
  }
}
