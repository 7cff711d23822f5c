import type { Clock } from "../../services/spearlet/pool/clock.js";

interface Timer {
  readonly every: number;
  next: number;
  readonly fn: () => void;
}

/** A clock that moves only when a test says so; `every` timers fire inside `advance`, in time order. */
export class ManualClock implements Clock {
  #now: number;
  readonly #timers = new Set<Timer>();

  constructor(start = Date.parse("2024-01-01T00:00:00.000Z")) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  every(ms: number, fn: () => void): () => void {
    const timer: Timer = { every: ms, next: this.#now + ms, fn };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }

  get timers(): number {
    return this.#timers.size;
  }

  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      let due: Timer | undefined;
      for (const t of this.#timers) if (t.next <= until && (!due || t.next < due.next)) due = t;
      if (!due) break;
      this.#now = due.next;
      due.next += due.every;
      due.fn();
    }
    this.#now = until;
  }
}
