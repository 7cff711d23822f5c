import type { RecordedEvent } from "../domain/events/envelope.js";
import type { StreamName } from "../streams/catalog.js";

/** The documents of a read model, as `evolve` sees them while folding one event. */
export interface DocWriter<D> {
  get(key: string): D | undefined;
  set(key: string, doc: D): void;
  delete(key: string): void;
  keys(): IterableIterator<string>;
}

/**
 * A projection is data: where its events come from and how each one changes a set of keyed
 * documents. Documents are treated as immutable values (`evolve` replaces, never mutates), so
 * a host can hand out a state while building the next. Keys must be valid KV keys.
 */
export interface Projection<D = unknown> {
  readonly name: string;
  readonly description: string;
  readonly stream: StreamName;
  /** One subject filter (servers before 2.10 accept one per consumer). */
  readonly subject: string;
  /** Documents present before any event. */
  readonly initialState: () => ReadonlyMap<string, D>;
  /** Folds one event into the documents; throwing marks the event as poison. */
  readonly evolve: (docs: DocWriter<D>, event: RecordedEvent) => void;
  /**
   * Each subject's last event alone decides its document (a latest-wins view, nothing swept by
   * sequence): a fold from the start may read only the last event of every subject.
   */
  readonly latestPerSubject?: boolean;
}

/** Projections are stored side by side in one registry whatever their document type. */
export type AnyProjection = Projection<any>;
