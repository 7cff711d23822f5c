import type { Logger } from "pino";
import { randomIndex, seededRng, type Rng } from "../../domain/scheduling/random.js";
import type { ChaosParams, OnceFault } from "./params.js";
import { waitReady } from "./readiness.js";
import type { ChaosSystem } from "./system.js";
import type { Timeline } from "./timeline.js";

/** How long a restarted part is watched for readiness, for the timeline. */
const READY_WATCH_MS = 60_000;

/**
 * The faults of a chaos pass, all kill -9 of the harness's own children by pid:
 * - a random spearlet about every `spearletKillEveryMs` (± 25 %), started again with the same
 *   node id and data folder `spearletDownMs` later (two can be down at once only when the
 *   period is shorter than the downtime);
 * - once each, in order and never two at a time, spread evenly over the load: a scheduler, the
 *   control plane, nats-server (same port and store), redis-server (empty), the projection
 *   worker, each started again after its downtime.
 */
export class FaultInjector {
  readonly #stop = new AbortController();
  readonly #down = new Set<string>();
  readonly #outages = new Set<Promise<void>>();
  readonly #watches = new Set<Promise<void>>();
  #loops: Promise<void>[] = [];
  #closed = false;
  /** kill -9s made. */
  kills = 0;
  /** One-off faults that did not happen (the load ended first, or the part was not running). */
  onceSkipped = 0;

  constructor(
    private readonly system: ChaosSystem,
    private readonly timeline: Timeline,
    private readonly p: ChaosParams,
    private readonly log: Logger,
  ) {}

  /** Starts injecting for the next `loadMs`. */
  start(loadMs: number): void {
    const end = Date.now() + loadMs;
    this.#loops = [this.spearletLoop(end), this.onceLoop(Date.now(), loadMs)];
  }

  /** No new faults; resolves once every killed part has been started again. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#loops);
    while (this.#outages.size > 0) await Promise.all([...this.#outages]);
  }

  /** Also stops watching restarted parts for readiness (before the system stops). */
  async close(): Promise<void> {
    await this.stop();
    this.#closed = true;
    await Promise.all([...this.#watches]);
  }

  // Each loop draws from a generator of its own, so the victims do not depend on how the two interleave.
  private async spearletLoop(end: number): Promise<void> {
    const rng = seededRng(this.p.seed + 1);
    const parts = this.system.partsOf("spearlet");
    const maxKills = Math.ceil((end - Date.now()) / this.p.spearletKillEveryMs) + 1;
    for (let i = 0; i < maxKills; i++) {
      await this.pause(this.p.spearletKillEveryMs * (0.75 + 0.5 * rng()));
      if (this.#stop.signal.aborted || Date.now() >= end) return;
      const up = parts.filter((part) => !this.#down.has(part) && this.system.running(part));
      if (up.length === 0) continue;
      this.track(this.outage(up[randomIndex(rng, up.length)]!, this.p.spearletDownMs));
    }
  }

  private async onceLoop(start: number, loadMs: number): Promise<void> {
    const rng = seededRng(this.p.seed + 2);
    const faults = this.p.onceFaults;
    for (const [i, fault] of faults.entries()) {
      await this.pause(start + (loadMs * (i + 1)) / (faults.length + 1) - Date.now());
      if (this.#stop.signal.aborted) {
        this.onceSkipped += faults.length - i;
        return;
      }
      const part = this.partOf(fault, rng);
      if (!this.system.running(part) || this.#down.has(part)) {
        this.onceSkipped++;
        this.timeline.add("skipped", part, { note: "not running when its turn came" });
        continue;
      }
      // Awaited: the one-off faults never overlap.
      await this.outage(part, fault === "nats" ? this.p.natsDownMs : this.p.serviceDownMs);
    }
  }

  private partOf(fault: OnceFault, rng: Rng): string {
    if (fault === "scheduler") {
      const schedulers = this.system.partsOf("scheduler");
      return schedulers[randomIndex(rng, schedulers.length)]!;
    }
    return fault === "nats" ? "nats-server" : fault === "redis" ? "redis-server" : fault;
  }

  /** kill -9, the downtime, the start again; readiness is then watched in the background. */
  private async outage(part: string, downMs: number): Promise<void> {
    this.#down.add(part);
    try {
      const before = await this.system.beforeKill(part);
      const pid = await this.system.kill(part);
      this.kills++;
      this.timeline.add("kill -9", part, { pid });
      this.log.info({ part, pid }, "killed");
      await new Promise((r) => setTimeout(r, downMs));
      const restartedAt = Date.now();
      const newPid = await this.restart(part);
      this.timeline.add("restarted", part, { pid: newPid });
      // Watched for as long as this run lives: a run killed before it was ready never was.
      const replaced = () => this.system.pidOf(part) !== newPid || !this.system.running(part);
      const watch = waitReady(this.system.readyCheck(part, before), { timeoutMs: READY_WATCH_MS, gaveUp: () => this.#closed || replaced() }).then((ready) => {
        const after = Date.now() - restartedAt;
        if (ready) this.timeline.add("ready again", part, { pid: newPid, note: `${after} ms after its restart`, readyAfterMs: after });
        else if (!this.#closed) {
          const note = replaced() ? `killed ${after} ms after its restart, before it was ready` : `within ${READY_WATCH_MS} ms of its restart`;
          this.timeline.add("not ready again", part, { pid: newPid, note });
        }
      });
      this.#watches.add(watch);
      void watch.finally(() => this.#watches.delete(watch));
    } catch (e) {
      this.log.error({ part, err: e }, "fault injection failed");
      this.timeline.add("skipped", part, { note: `fault injection failed: ${e instanceof Error ? e.message : String(e)}` });
    } finally {
      this.#down.delete(part);
    }
  }

  /** A start that fails (a port not yet free, say) is tried again: a part left down would spoil the rest of the run. */
  private async restart(part: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.system.restart(part);
      } catch (e) {
        if (attempt >= 3) throw e;
        this.log.warn({ part, err: e }, "restart failed; trying again");
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  private track(p: Promise<void>): void {
    this.#outages.add(p);
    void p.finally(() => this.#outages.delete(p));
  }

  /** Sleeps up to `ms`, or until stop(). */
  private pause(ms: number): Promise<void> {
    if (ms <= 0 || this.#stop.signal.aborted) return Promise.resolve();
    const signal = this.#stop.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
