import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { nodeDecider } from "../../domain/node/decider.js";
import { judgedAt, livenessVerdicts, nextLossAt } from "../../domain/node/liveness.js";
import { handleCommand } from "../../streams/command-handler.js";
import type { EventStore } from "../../streams/event-store.js";
import type { ReadModels } from "./read-models.js";
import { isOutage } from "../../streams/nats-errors.js";
import { metric } from "../metrics/registry.js";

const OVERDUE_RETRY_MS = 100;

export interface LivenessOptions {
  readonly heartbeatIntervalMs: number;
  readonly timeoutMs: number;
  readonly now?: () => number;
  /** When this replica's NATS connection last came back (epoch ms); nodes are judged from then at the earliest. */
  readonly reconnectedAt?: () => number | undefined;
}

/**
 * The liveness projector: watches what the node registry and the latest status reports
 * say and appends NodeLost / NodeRecovered. Every node is examined twice per heartbeat
 * interval and at the moment the next node would time out (a one-shot timer), so a loss is
 * recorded just after the timeout; a report examines only the nodes it names (recoveries),
 * so the work per report does not grow with the fleet. Every replica runs it; the node
 * decider and the expected version make sure one verdict is recorded once.
 */
export class Liveness {
  private timer?: NodeJS.Timeout;
  private deadline?: NodeJS.Timeout;
  private deadlineAt: number | null = null;
  private unsubscribe?: () => void;
  private running?: Promise<void>;
  /** What the next pass examines: every node, or the nodes reports named since the last pass. */
  private queued: { all: boolean; nodes: Set<string> } = { all: false, nodes: new Set() };
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly models: ReadModels,
    private readonly log: Logger,
    private readonly opts: LivenessOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.check(), Math.max(10, Math.floor(this.opts.heartbeatIntervalMs / 2)));
    const unsubscribe = this.models.usage.subscribe((_state, _seq, changed) => this.check(changed));
    this.unsubscribe = () => void unsubscribe();
    this.check();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.deadline);
    this.unsubscribe?.();
    await this.running;
  }

  /** Queues every node (no argument) or the given ones for the next pass. */
  private check(nodes?: ReadonlySet<string>): void {
    if (this.stopped) return;
    if (nodes) for (const id of nodes) this.queued.nodes.add(id);
    else this.queued.all = true;
    this.kick();
  }

  /** One pass at a time; what was queued meanwhile runs in the next. */
  private kick(): void {
    if (this.running || this.stopped || (!this.queued.all && this.queued.nodes.size === 0)) return;
    const work = this.queued;
    this.queued = { all: false, nodes: new Set() };
    this.running = this.pass(work)
      .catch((e: unknown) => (isOutage(e) ? this.log.debug : this.log.warn).call(this.log, { err: e }, "liveness check failed; trying again at the next tick"))
      .finally(() => {
        this.running = undefined;
        this.kick();
      });
  }

  private async pass(work: { all: boolean; nodes: ReadonlySet<string> }): Promise<void> {
    const clock = (this.opts.now ?? Date.now)();
    const now = judgedAt(clock, this.models.usage.feed, this.opts.heartbeatIntervalMs);
    const registry = this.models.nodes.state;
    const nodes = work.all ? [...registry.values()] : [...work.nodes].flatMap((id) => registry.get(id) ?? []);
    const input = { nodes, usage: this.models.usage.state, timeoutMs: this.opts.timeoutMs, heardFrom: this.opts.reconnectedAt?.() };
    this.schedule(nextLossAt(input), clock, work.all);
    for (const command of livenessVerdicts({ ...input, now })) {
      if (this.stopped) return;
      const { events } = await handleCommand(this.store, { type: "node", id: command.nodeId }, nodeDecider, command, {
        correlationId: `liveness-${randomUUID()}`,
      });
      for (const e of events) {
        if (e.type === "NodeLost") {
          metric("spear_sms_liveness_verdicts_total").inc({ verdict: "lost" });
          this.log.warn({ nodeId: command.nodeId, lastSeenAt: e.data.lastSeenAt, timeoutMs: e.data.timeoutMs }, "node lost");
        }
        if (e.type === "NodeRecovered") {
          metric("spear_sms_liveness_verdicts_total").inc({ verdict: "recovered" });
          this.log.info({ nodeId: command.nodeId, seenAt: e.data.seenAt }, "node recovered");
        }
      }
    }
  }

  /**
   * Sets the one-shot timer for the next loss: a pass over every node knows it exactly; a pass
   * over some nodes can only bring it forward (a report postpones its own node's loss).
   */
  private schedule(next: number | null, clock: number, everyNode: boolean): void {
    const at = everyNode ? next : earliest(next, this.deadlineAt);
    if (at === this.deadlineAt && this.deadline) return;
    clearTimeout(this.deadline);
    this.deadline = undefined;
    this.deadlineAt = at;
    if (at === null) return;
    // A loss already due may not show yet (its verdict still being appended and folded, or the
    // reports still being read): look again shortly rather than at the next tick.
    this.deadline = setTimeout(() => {
      this.deadline = undefined;
      this.deadlineAt = null;
      this.check();
    }, Math.max(at - clock, OVERDUE_RETRY_MS));
  }
}

const earliest = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));
