import type { OrderedMap } from "immutable";
import { PersistentDocs } from "./persistent-docs.js";
import type { DocWriter } from "./projection.js";

const DELETED = Symbol("deleted");
type Change<D> = D | typeof DELETED;

/**
 * The working copy a host folds a batch into. Writes of the event being applied sit in an
 * overlay until `commit`, so an event whose `evolve` throws halfway leaves no trace. The base
 * is a transient of a persistent map: starting from a state costs nothing, and the state it
 * started from never changes.
 */
export class DocStore<D> implements DocWriter<D> {
  private base: OrderedMap<string, D>;
  private readonly overlay = new Map<string, Change<D>>();
  /** Keys changed by committed events since the last `takeDirty`. */
  private dirty = new Set<string>();
  private sealed = false;

  constructor(base: ReadonlyMap<string, D>) {
    this.base = PersistentDocs.from(base).map.asMutable();
  }

  get(key: string): D | undefined {
    if (this.overlay.size === 0) return this.base.get(key);
    const o = this.overlay.get(key);
    if (o === DELETED) return undefined;
    return o !== undefined ? o : this.base.get(key);
  }

  set(key: string, doc: D): void {
    this.writable();
    this.overlay.set(key, doc);
  }

  delete(key: string): void {
    this.writable();
    this.overlay.set(key, DELETED);
  }

  private writable(): void {
    if (this.sealed) throw new Error("DocStore was sealed and handed to readers");
  }

  *keys(): IterableIterator<string> {
    for (const k of this.base.keys()) if (this.overlay.get(k) !== DELETED) yield k;
    for (const [k, v] of this.overlay) if (v !== DELETED && !this.base.has(k)) yield k;
  }

  commit(): void {
    this.overlay.forEach((v, k) => {
      this.base = v === DELETED ? this.base.delete(k) : this.base.set(k, v);
      this.dirty.add(k);
    });
    this.overlay.clear();
  }

  rollback(): void {
    this.overlay.clear();
  }

  /** The keys changed since the last `takeChanged` or `takeDirty`. */
  takeChanged(): ReadonlySet<string> {
    const keys = this.dirty;
    this.dirty = new Set();
    return keys;
  }

  /** The keys changed since the last call, with their current document (undefined = deleted). */
  takeDirty(): Map<string, D | undefined> {
    const out = new Map<string, D | undefined>();
    for (const k of this.takeChanged()) out.set(k, this.base.get(k));
    return out;
  }

  /**
   * Hands the folded documents to readers. The store must not be written afterwards: the next
   * batch starts a new store from this state (copy-on-write), so readers never see a change.
   */
  seal(): ReadonlyMap<string, D> {
    this.sealed = true;
    return PersistentDocs.of(this.base.asImmutable());
  }
}
