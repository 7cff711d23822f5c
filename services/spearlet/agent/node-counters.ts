/** What the node has done with its assignments since start (for `spear.api.nodes.<id>.stats`). */
export class NodeCounters {
  executions = 0;
  succeeded = 0;
  failed = 0;
  handedBack = 0;
  fenced = 0;
  #responseMsTotal = 0;

  /** A call that reached an instance and came back with an outcome after `responseMs`. */
  executed(ok: boolean, responseMs: number): void {
    this.executions += 1;
    if (ok) this.succeeded += 1;
    else this.failed += 1;
    this.#responseMsTotal += responseMs;
  }

  get averageResponseMs(): number | null {
    return this.executions === 0 ? null : Math.round((this.#responseMsTotal / this.executions) * 100) / 100;
  }
}
