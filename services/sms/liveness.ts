import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { nodeDecider } from "../../domain/node/decider.js";
import { livenessVerdicts, nextLossAt } from "../../domain/node/liveness.js";
import { handleCommand } from "../../streams/command-handler.js";
import type { EventStore } from "../../streams/event-store.js";
import type { ReadModels } from "./read-models.js";

export interface LivenessOptions {
  readonly heartbeatIntervalMs: number;
  readonly timeoutMs: number;
  readonly now?: () => number;
}

/**
 * The liveness projector: watches what the node registry and the latest status reports
 * say and appends NodeLost / NodeRecovered. It checks twice per heartbeat interval, at once
 * when a report arrives (recoveries) and at the moment the next node would time out (a
 * one-shot timer), so a loss is recorded just after the timeout. Every replica runs it;
 * the node decider and the expected version make sure one verdict is recorded once.
 */
export class Liveness {
  private timer?: NodeJS.Timeout;
  private deadline?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly models: ReadModels,
    private readonly log: Logger,
    private readonly opts: LivenessOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.check(), Math.max(10, Math.floor(this.opts.heartbeatIntervalMs / 2)));
    const unsubscribe = this.models.usage.subscribe(() => this.check());
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

  /** Runs one pass at a time; a request during a pass runs one more pass after it. */
  private check(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((e: unknown) => this.log.warn({ err: e }, "liveness check failed; trying again at the next tick"))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.check();
        }
      });
  }

  private async pass(): Promise<void> {
    const now = (this.opts.now ?? Date.now)();
    const input = { nodes: [...this.models.nodes.state.values()], usage: this.models.usage.state, timeoutMs: this.opts.timeoutMs };
    const next = nextLossAt(input);
    clearTimeout(this.deadline);
    if (next !== null && next > now) this.deadline = setTimeout(() => this.check(), next - now);
    const verdicts = livenessVerdicts({ ...input, now });
    for (const command of verdicts) {
      if (this.stopped) return;
      const { events } = await handleCommand(this.store, { type: "node", id: command.nodeId }, nodeDecider, command, {
        correlationId: `liveness-${randomUUID()}`,
      });
      for (const e of events) {
        if (e.type === "NodeLost") this.log.warn({ nodeId: command.nodeId, lastSeenAt: e.data.lastSeenAt, timeoutMs: e.data.timeoutMs }, "node lost");
        if (e.type === "NodeRecovered") this.log.info({ nodeId: command.nodeId, seenAt: e.data.seenAt }, "node recovered");
      }
    }
  }
}
