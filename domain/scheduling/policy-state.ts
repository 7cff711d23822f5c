/**
 * The only state placement keeps between decisions: round-robin cursors, one per key
 * (a pool, or a function's pool rotation). The scheduler owns one instance per process and
 * passes it in; the decision itself stays a function of its inputs.
 */
export class PolicyState {
  private readonly cursors = new Map<string, number>();

  cursor(key: string): number {
    return this.cursors.get(key) ?? 0;
  }

  /** Stores the cursor reduced modulo `size`, so cursors never grow without bound. */
  moveTo(key: string, position: number, size: number): void {
    this.cursors.set(key, size > 0 ? ((position % size) + size) % size : 0);
  }

  get size(): number {
    return this.cursors.size;
  }
}
