import type { NatsConnection } from "@nats-io/transport-node";

/** A spearlet's answer on `spear.api.nodes.<nodeId>.health` (docs/api.md), the fields used here. */
interface Health {
  readonly ok: boolean;
  readonly result?: { readonly healthy: boolean; readonly running: number };
}

/** Calls without a final result seen: those Spear holds (the stream acknowledged them), and all the client has begun. */
export interface Outstanding {
  readonly held: number;
  readonly all: number;
}

export interface IdleFigures {
  /** Node-seconds in which a node answered healthy with nothing running while work Spear held waited. */
  readonly idleWithWorkS: number;
  /** The same, counting also calls the client had begun but not yet handed over (its publish not acknowledged). */
  readonly idleWithClientBacklogS: number;
  readonly idleWithWorkByNode: Record<string, number>;
  /** When the idle time accrued: node-seconds per whole second since the monitor started (only seconds with some). */
  readonly idleWithWorkBySecond: Record<string, number>;
  readonly samples: number;
  /** Samples in which more calls Spear held waited than ran. */
  readonly samplesWithWaitingWork: number;
  readonly maxOutstanding: number;
  /** Health requests that got no answer in time (a node down, NATS down). */
  readonly unanswered: number;
}

/** A gap longer than this between samples (a stalled event loop, NATS away) counts only up to it. */
const MAX_STEP_MS = 500;

/**
 * "Idle node with work waiting": every `everyMs`, asks each spearlet for its health (core NATS
 * request, short timeout) and counts the calls outstanding (held by Spear, their request
 * acknowledged by the stream at least `outstandingAfterMs` ago, with no final result seen).
 * When more are outstanding than run on all the nodes together, each node that answered
 * healthy with nothing running adds the time since the previous sample. Work the client could
 * not hand over yet (NATS away, its publish retry waiting out a backoff) is not Spear's to run;
 * it is counted apart, in `idleWithClientBacklogS`.
 */
export class IdleMonitor {
  #stopped = false;
  #loop?: Promise<void>;
  #idleMs = new Map<string, number>();
  #idleWithBacklogMs = 0;
  #bySecond = new Map<number, number>();
  #startedAt = 0;
  #samples = 0;
  #waiting = 0;
  #maxOutstanding = 0;
  #unanswered = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly nodeIds: readonly string[],
    private readonly outstanding: () => Outstanding,
    private readonly o: { everyMs: number; timeoutMs: number },
  ) {
    for (const id of nodeIds) this.#idleMs.set(id, 0);
  }

  start(): void {
    this.#startedAt = performance.now();
    this.#loop = this.run();
  }

  async stop(): Promise<IdleFigures> {
    this.#stopped = true;
    await this.#loop;
    const byNode = Object.fromEntries([...this.#idleMs].map(([id, ms]) => [id, ms / 1000]));
    return {
      idleWithWorkS: [...this.#idleMs.values()].reduce((a, b) => a + b, 0) / 1000,
      idleWithClientBacklogS: this.#idleWithBacklogMs / 1000,
      idleWithWorkByNode: byNode,
      idleWithWorkBySecond: Object.fromEntries([...this.#bySecond].map(([s, ms]) => [String(s), Math.round(ms) / 1000])),
      samples: this.#samples,
      samplesWithWaitingWork: this.#waiting,
      maxOutstanding: this.#maxOutstanding,
      unanswered: this.#unanswered,
    };
  }

  private async run(): Promise<void> {
    let previous = performance.now();
    while (!this.#stopped) {
      const started = performance.now();
      const health = await Promise.all(this.nodeIds.map((id) => this.health(id)));
      const outstanding = this.outstanding();
      const step = Math.min(MAX_STEP_MS, started - previous);
      previous = started;
      this.#samples++;
      this.#maxOutstanding = Math.max(this.#maxOutstanding, outstanding.held);
      const running = health.reduce((sum, h) => sum + (h?.running ?? 0), 0);
      const idleNodes = health.flatMap((h, i) => (h?.healthy && h.running === 0 ? [this.nodeIds[i]!] : []));
      if (outstanding.all - running > 0) this.#idleWithBacklogMs += idleNodes.length * step;
      if (outstanding.held - running > 0) {
        this.#waiting++;
        for (const id of idleNodes) {
          this.#idleMs.set(id, this.#idleMs.get(id)! + step);
          const second = Math.floor((started - this.#startedAt) / 1000);
          this.#bySecond.set(second, (this.#bySecond.get(second) ?? 0) + step);
        }
      }
      const rest = this.o.everyMs - (performance.now() - started);
      if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    }
  }

  private async health(nodeId: string): Promise<{ healthy: boolean; running: number } | undefined> {
    try {
      const m = await this.nc.request(`spear.api.nodes.${nodeId}.health`, "{}", { timeout: this.o.timeoutMs });
      const h = m.json<Health>();
      return h.ok && h.result ? h.result : undefined;
    } catch {
      this.#unanswered++;
      return undefined;
    }
  }
}
