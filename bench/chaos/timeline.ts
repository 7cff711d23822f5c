/** One thing that happened to a process during a pass: a kill, a restart, readiness again, a death of its own. */
export interface TimelineEntry {
  /** Milliseconds since the load began (negative: before it). */
  readonly atMs: number;
  readonly at: string;
  readonly what: "kill -9" | "restarted" | "ready again" | "not ready again" | "died on its own" | "skipped";
  /** The process: `spearlet-chaos-2`, `scheduler-1`, `sms`, `projections`, `nats-server`, `redis-server`. */
  readonly part: string;
  readonly pid?: number;
  readonly note?: string;
  /** For "ready again": how long after its restart. */
  readonly readyAfterMs?: number;
}

type Details = Pick<TimelineEntry, "pid" | "note" | "readyAfterMs">;

/** The faults of a pass in the order they happened, timed from the start of the load. */
export class Timeline {
  readonly entries: TimelineEntry[] = [];
  #t0 = Date.now();

  /** The load begins now: later entries are timed from here. */
  begin(): void {
    this.#t0 = Date.now();
  }

  add(what: TimelineEntry["what"], part: string, details: Details = {}): void {
    const t = Date.now();
    this.entries.push({ atMs: t - this.#t0, at: new Date(t).toISOString(), what, part, ...details });
  }
}
