import type { Logger } from "pino";

/** Failures that escaped every handler, tolerated within this window before the process gives up. */
const WINDOW_MS = 60_000;
const TOLERATED = 5;
/** EX_SOFTWARE: the supervisor restarts the process. */
export const EXIT_UNSOUND = 70;

/**
 * Counts failures that escaped every handler and says whether the process is still sound.
 * One now and then (a bug on a rare path) is logged and served through: everything a service
 * holds that matters is in the streams or behind a lease, so the call it hit is retried. Many
 * in a short while mean the process is broken, and a fresh one from its supervisor is safer.
 */
export class FaultBudget {
  private readonly times: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Records one failure; false when the process should now exit for its supervisor. */
  record(): boolean {
    const t = this.now();
    this.times.push(t);
    while (this.times.length > 0 && t - this.times[0]! > WINDOW_MS) this.times.shift();
    return this.times.length <= TOLERATED;
  }

  get count(): number {
    return this.times.length;
  }
}

/** The last-resort handlers of a long-running service: log and count; exit for the supervisor past the budget. */
export function installLastResort(log: Logger, budget = new FaultBudget()): void {
  const onFault = (kind: string) => (err: unknown) => {
    const sound = budget.record();
    log.error({ err, kind, recent: budget.count }, sound ? `${kind}: logged, and the service goes on` : `${kind}: too many in a minute; exiting for a restart`);
    if (!sound) {
      log.flush?.();
      setTimeout(() => process.exit(EXIT_UNSOUND), 100).unref();
    }
  };
  process.on("uncaughtException", onFault("uncaught exception"));
  process.on("unhandledRejection", onFault("unhandled rejection"));
}
