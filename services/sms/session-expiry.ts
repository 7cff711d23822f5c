import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { sessionDecider } from "../../domain/session/decider.js";
import { handleCommand } from "../../streams/command-handler.js";
import type { EventStore } from "../../streams/event-store.js";
import type { ReadModels } from "./read-models.js";
import { isOutage } from "../../streams/nats-errors.js";
import { metric } from "../metrics/registry.js";

/**
 * Ends sessions that were not bound again for `ttlMs` (SessionEnded, reason `expired`):
 * their affinity is forgotten and their next use binds afresh. Replicas may race; the
 * session decider records one expiry.
 */
export class SessionExpiry {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly store: EventStore,
    private readonly models: ReadModels,
    private readonly log: Logger,
    private readonly ttlMs: number,
  ) {}

  start(): void {
    if (this.ttlMs <= 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .catch((e: unknown) => (isOutage(e) ? this.log.debug : this.log.warn).call(this.log, { err: e }, "session expiry failed; trying again later"))
        .finally(() => (this.running = undefined));
    }, Math.min(60_000, Math.max(100, Math.floor(this.ttlMs / 4))));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const s of this.models.sessions.state.values()) {
      if (s.ended || now - Date.parse(s.lastBoundAt) <= this.ttlMs) continue;
      const { events } = await handleCommand(this.store, { type: "session", id: s.id }, sessionDecider, { type: "ExpireSession", sessionId: s.id }, {
        correlationId: `expiry-${randomUUID()}`,
      });
      if (events.length === 0) continue;
      metric("spear_sms_sessions_expired_total").inc();
      this.log.info({ sessionId: s.id, lastBoundAt: s.lastBoundAt }, "session expired");
    }
  }
}
