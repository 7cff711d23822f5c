/**
 * Nodes whose last reservation found every slot taken, until one of them says it freed a slot
 * (its capacity signal) or the mark gets old. Placement skips them, so requests waiting for a
 * slot do not each ask Redis about every full node at every wake-up; the lease store stays
 * the one judge of a slot, and a mark never outlives `ttlMs`, so a lost signal costs little.
 */
export class NodesFoundFull {
  readonly #since = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  mark(nodeId: string): void {
    this.#since.set(nodeId, this.now());
  }

  /** The node freed a slot. */
  clear(nodeId: string): void {
    this.#since.delete(nodeId);
  }

  /** Every node may have room again (Redis came back, the cluster changed). */
  clearAll(): void {
    this.#since.clear();
  }

  has(nodeId: string): boolean {
    const since = this.#since.get(nodeId);
    if (since === undefined) return false;
    if (this.now() - since < this.ttlMs) return true;
    this.#since.delete(nodeId);
    return false;
  }
}
