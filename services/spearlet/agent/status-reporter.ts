import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { InstanceStateChanged } from "../../../domain/events/instance.js";
import type { InvocationOutcome } from "../../../domain/events/invocation.js";
import type { InstanceSummary, NodeStatusReported, ResourceUsage } from "../../../domain/events/status.js";
import { publishStatusReport } from "../../../streams/status-reports.js";

export interface StatusReporterOptions {
  readonly js: JetStreamClient;
  readonly nodeId: string;
  /** A report at least this often, with or without news (the control plane's liveness counts on it). */
  readonly heartbeatMs: number;
  /** News waits at most this long for its report... */
  readonly flushMs: number;
  /** ...or until this many items wait; a report never holds more. */
  readonly maxItems: number;
  /** Usage and instances at the moment a report is made. */
  readonly usage: () => ResourceUsage;
  readonly instances: () => InstanceSummary[];
  readonly log: Logger;
}

/** Items kept while reports cannot be published; the oldest go first beyond this many batches. */
const BACKLOG_BATCHES = 64;

/**
 * Batched status reports on `spear.status.<nodeId>`: each report is one message with the
 * heartbeat (usage, instances per function version) and the instance transitions and
 * invocation outcomes since the last one. News is flushed `flushMs` after it first waits or
 * as soon as `maxItems` wait; a heartbeat goes out every `heartbeatMs` even when idle.
 * Reports are published one at a time, in order; a failed publish keeps its items for the next.
 */
export class StatusReporter {
  readonly #o: StatusReporterOptions;
  #transitions: InstanceStateChanged[] = [];
  #outcomes: InvocationOutcome[] = [];
  #seq = 0;
  #draining = false;
  #flushTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  /** The flush publishing (or the last one), and the one waiting behind it. */
  #chain: Promise<void> = Promise.resolve();
  #waiting: Promise<void> | undefined;
  #heartbeatDue = false;
  #failing = false;
  #published = 0;

  constructor(options: StatusReporterOptions) {
    this.#o = options;
  }

  /** Reports published since start. */
  get published(): number {
    return this.#published;
  }

  start(): void {
    this.#heartbeat ??= setInterval(() => void this.flush(true), this.#o.heartbeatMs);
    void this.flush(true);
  }

  addTransition(event: InstanceStateChanged): void {
    this.#transitions.push(event);
    this.#news();
  }

  addOutcome(outcome: InvocationOutcome): void {
    this.#outcomes.push(outcome);
    this.#news();
  }

  /** From now on every report says the node is draining; one goes out at once. */
  setDraining(): Promise<void> {
    this.#draining = true;
    return this.flush(true);
  }

  /**
   * Publishes what waits (and, for a heartbeat, a report even when nothing does). Resolves once
   * this flush and the ones before it were tried.
   */
  flush(heartbeat = false): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (heartbeat) this.#heartbeatDue = true;
    // At most one flush waits behind the one publishing: requests meanwhile join it, so a slow
    // publish (NATS away) is followed by one report, not by every heartbeat that fell due.
    if (!this.#waiting) {
      const next = this.#chain.then(() => {
        this.#waiting = undefined;
        const due = this.#heartbeatDue;
        this.#heartbeatDue = false;
        return this.#publishAll(due);
      });
      this.#waiting = next;
      this.#chain = next;
    }
    return this.#waiting;
  }

  /** Stops the timers and sends the last report (with whatever still waits). */
  async stop(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    await this.flush(true);
    clearTimeout(this.#flushTimer);
  }

  #pending(): number {
    return this.#transitions.length + this.#outcomes.length;
  }

  #news(): void {
    if (this.#pending() >= this.#o.maxItems) void this.flush();
    else this.#flushTimer ??= setTimeout(() => void this.flush(), this.#o.flushMs);
  }

  async #publishAll(heartbeat: boolean): Promise<void> {
    let first = true;
    while ((first && heartbeat) || this.#pending() > 0) {
      first = false;
      if (!(await this.#publishOne())) {
        // Try again after a flush interval; a heartbeat also retries.
        this.#flushTimer ??= setTimeout(() => void this.flush(), this.#o.flushMs);
        return;
      }
    }
  }

  async #publishOne(): Promise<boolean> {
    const max = this.#o.maxItems;
    const transitions = this.#transitions.splice(0, max);
    const outcomes = this.#outcomes.splice(0, max - transitions.length);
    const report: NodeStatusReported = {
      reportSeq: this.#seq++,
      at: new Date().toISOString(),
      usage: this.#o.usage(),
      instances: this.#o.instances(),
      transitions,
      outcomes,
      draining: this.#draining,
    };
    try {
      await publishStatusReport(this.#o.js, this.#o.nodeId, report);
      this.#published += 1;
      if (this.#failing) this.#o.log.info({ nodeId: this.#o.nodeId }, "status reports are published again");
      this.#failing = false;
      return true;
    } catch (e) {
      this.#transitions.unshift(...transitions);
      this.#outcomes.unshift(...outcomes);
      this.#trimBacklog();
      if (!this.#failing) this.#o.log.warn({ err: e, nodeId: this.#o.nodeId, waiting: this.#pending() }, "a status report could not be published; keeping its items for the next");
      this.#failing = true;
      return false;
    }
  }

  #trimBacklog(): void {
    const cap = this.#o.maxItems * BACKLOG_BATCHES;
    const over = this.#pending() - cap;
    if (over <= 0) return;
    // Transitions are the cheaper loss: the next heartbeat's instance summary restates the pools.
    const fromTransitions = Math.min(over, this.#transitions.length);
    this.#transitions.splice(0, fromTransitions);
    this.#outcomes.splice(0, over - fromTransitions);
    this.#o.log.warn({ nodeId: this.#o.nodeId, dropped: over }, "status report backlog full; dropped the oldest items");
  }
}
