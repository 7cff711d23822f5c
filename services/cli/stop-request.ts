import type { Logger } from "pino";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const SUPERVISOR_POLL_MS = 1_000;

/** Why a service was asked to stop. */
export type StopReason = (typeof SIGNALS)[number] | "supervisor gone";

/**
 * When a long-running process should stop: the first SIGINT, SIGTERM or SIGHUP (a terminal that
 * closes sends SIGHUP), or the supervisor that started it disappearing (`SPEAR_SUPERVISOR_PID`;
 * even a SIGKILLed launcher leaves no service behind). Each of these asks for the graceful stop
 * once; a second signal ends the process at once.
 */
export class StopRequest {
  readonly #abort = new AbortController();
  readonly #stopped: Promise<StopReason>;
  #poll: NodeJS.Timeout | undefined;

  constructor(log: Logger) {
    let resolve!: (r: StopReason) => void;
    this.#stopped = new Promise((r) => (resolve = r));
    const request = (reason: StopReason) => {
      if (this.#abort.signal.aborted) return;
      clearInterval(this.#poll);
      this.#abort.abort();
      resolve(reason);
    };
    for (const s of SIGNALS) {
      process.on(s, () => {
        if (this.#abort.signal.aborted) {
          log.warn({ signal: s }, "second signal: stopping at once");
          process.exit(130);
        }
        request(s);
      });
    }
    const supervisor = Number(process.env.SPEAR_SUPERVISOR_PID);
    if (Number.isInteger(supervisor) && supervisor > 1) {
      const wasParent = process.ppid === supervisor;
      this.#poll = setInterval(() => {
        if (alive(supervisor) && (!wasParent || process.ppid === supervisor)) return;
        log.warn({ supervisor }, "the supervisor that started this process is gone: stopping");
        request("supervisor gone");
      }, SUPERVISOR_POLL_MS);
      this.#poll.unref();
    }
  }

  /** Aborts when the stop is asked for. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Resolves with the reason once the stop is asked for. */
  get stopped(): Promise<StopReason> {
    return this.#stopped;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
