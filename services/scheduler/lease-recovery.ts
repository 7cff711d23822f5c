import type { Logger } from "pino";
import type { Nats } from "../../streams/connection.js";
import { isOutage } from "../../streams/nats-errors.js";
import type { LeaseStore } from "../leases/lease-store.js";
import { LeaseLog } from "./lease-log.js";
import { metric } from "../metrics/registry.js";

const CHECK_MS = 1_000;

/**
 * Redis holds no fact the log lacks. When its lease state is gone (flushed, restarted), the
 * active leases are those assignments of the recent log whose invocation has no result yet:
 * they are put back with their original tokens, so spearlets can still commit and release
 * them and no slot is leaked or double-booked. Replicas noticing the same loss rebuild once.
 *
 * The log is read as soon as Redis goes away, while no call can be placed anyway: when it comes
 * back empty, only what was written since is read before the rebuild (reading the whole window,
 * thousands of messages, left every node idle for ~300 ms after a Redis restart).
 */
export class LeaseRecovery {
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  /** The log as read since Redis went away, until it is back with its state or rebuilt. */
  private prefetched?: LeaseLog;

  constructor(
    private readonly nats: Nats,
    private readonly leases: LeaseStore,
    /** How far back to read the assignment log (see `liveLeaseWindowMs`). */
    private readonly windowMs: () => number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.trigger(), CHECK_MS);
    this.leases.onOutage(() => this.prefetch());
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Rebuilds if the state is lost; concurrent calls share one rebuild. */
  trigger(): Promise<void> {
    this.running ??= this.recoverIfLost().finally(() => (this.running = undefined));
    return this.running;
  }

  private prefetch(): void {
    this.prefetched = new LeaseLog(this.nats, new Date(Date.now() - this.windowMs()));
    // A read cut short (NATS away too) is taken up again where it stopped, at the rebuild.
    this.prefetched.catchUp().catch(() => undefined);
  }

  private async recoverIfLost(): Promise<void> {
    try {
      if ((await this.leases.epoch()) !== null) {
        this.prefetched = undefined;
        return;
      }
      const notBefore = new Date(Date.now() - this.windowMs());
      this.prefetched ??= new LeaseLog(this.nats, notBefore);
      const log = this.prefetched;
      await log.catchUp();
      const r = await this.leases.rebuild(log.active(notBefore), { expectEpoch: null });
      this.prefetched = undefined;
      // A fresh Redis (first start) looks the same as one that lost its state.
      if (r.applied) {
        metric("spear_scheduler_lease_rebuilds_total").inc();
        this.log.info({ leases: r.leases, epoch: r.epoch }, "lease state (re)built from the assignment log: Redis had none");
      }
    } catch (e) {
      if (!isOutage(e)) this.log.error({ err: e }, "could not rebuild the lease state; will try again");
    }
  }
}

