import { isRunning } from "./process-identity.js";

const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const PARENT_POLL_MS = 1_000;

export interface LauncherStopHandlers {
  /** The orderly stop, asked for once. */
  stop(reason: string): void;
  /** Everything at once (a second Ctrl-C). */
  now(reason: string): void;
}

/**
 * When the launcher stops. SIGINT (Ctrl-C), SIGTERM and SIGHUP (the terminal closed) all ask for
 * the same orderly stop. A terminal delivers one Ctrl-C to several processes of the chain
 * (npm, the bootstrap, the launcher), and npm and the bootstrap pass theirs on, so the copies
 * that arrive within `repeatWindowMs` of the first count as one; a SIGINT or SIGTERM after that
 * ends everything at once. A SIGHUP never hurries a stop under way (a terminal closed while it
 * stops). When `npm start`'s bootstrap started the launcher (SPEAR_SUPERVISOR_PID), the launcher
 * also stops in order when that process disappears.
 */
export class LauncherSignals {
  #first = 0;
  #resolve!: (reason: string) => void;
  readonly #stopped = new Promise<string>((r) => (this.#resolve = r));
  readonly #listeners = new Map<NodeJS.Signals, () => void>();
  #poll?: NodeJS.Timeout;

  constructor(
    private readonly handlers: LauncherStopHandlers,
    private readonly repeatWindowMs = 1_000,
  ) {
    for (const signal of STOP_SIGNALS) {
      const listener = () => this.#signal(signal);
      this.#listeners.set(signal, listener);
      process.on(signal, listener);
    }
    const parent = Number(process.env.SPEAR_SUPERVISOR_PID);
    if (Number.isInteger(parent) && parent > 1) {
      const wasParent = process.ppid === parent;
      this.#poll = setInterval(() => {
        if (isRunning(parent) && (!wasParent || process.ppid === parent)) return;
        clearInterval(this.#poll);
        this.#request(`the process that started this launcher (pid ${parent}) is gone`);
      }, PARENT_POLL_MS);
      this.#poll.unref();
    }
  }

  /** Whether a stop was asked for. */
  get requested(): boolean {
    return this.#first > 0;
  }

  /** Resolves with the reason of the first stop request. */
  get stopped(): Promise<string> {
    return this.#stopped;
  }

  /** Stops listening (a detached launch has returned). */
  dispose(): void {
    clearInterval(this.#poll);
    for (const [signal, listener] of this.#listeners) process.off(signal, listener);
  }

  #signal(signal: NodeJS.Signals): void {
    if (!this.requested) return this.#request(signal);
    if (signal === "SIGHUP" || Date.now() - this.#first < this.repeatWindowMs) return;
    this.handlers.now(signal);
  }

  #request(reason: string): void {
    if (this.requested) return;
    this.#first = Date.now();
    clearInterval(this.#poll);
    this.#resolve(reason);
    this.handlers.stop(reason);
  }
}
