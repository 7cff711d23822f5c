import { OrderedMap } from "immutable";

/**
 * The documents a host hands to readers: a read-only view of an immutable ordered map (the
 * order is insertion order, as with a Map). Versions share structure, so folding a batch into
 * the next version costs what the batch changed, not a copy of every document.
 */
export class PersistentDocs<D> implements ReadonlyMap<string, D> {
  private constructor(readonly map: OrderedMap<string, D>) {}

  static of<D>(map: OrderedMap<string, D>): PersistentDocs<D> {
    return new PersistentDocs(map);
  }

  /** The persistent form of any map; a PersistentDocs is taken as it is. */
  static from<D>(docs: ReadonlyMap<string, D>): PersistentDocs<D> {
    return docs instanceof PersistentDocs ? (docs as PersistentDocs<D>) : new PersistentDocs(OrderedMap(docs));
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): D | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  keys(): MapIterator<string> {
    return this.map.keys() as MapIterator<string>;
  }

  values(): MapIterator<D> {
    return this.map.values() as MapIterator<D>;
  }

  entries(): MapIterator<[string, D]> {
    return this.map.entries() as MapIterator<[string, D]>;
  }

  [Symbol.iterator](): MapIterator<[string, D]> {
    return this.entries();
  }

  forEach(callback: (value: D, key: string, map: ReadonlyMap<string, D>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.map.entries()) callback.call(thisArg, v, k, this);
  }
}
