import type { Worker } from "node:worker_threads";

/**
 * Worker threads started ahead of need, so that a cold start does not wait for a thread to boot
 * (tens of milliseconds: a V8 isolate, Node's bootstrap and the worker's modules). Each spare
 * serves one instance and goes with it; `refill` starts replacements, at most `size` idle at a
 * time. Idle spares are unreferenced: a process that forgets `close` still exits.
 */
export class SpareWorkers {
  readonly #size: number;
  readonly #spawn: () => Worker;
  /** Each idle spare with the listener that drops it if it dies before it is taken. */
  readonly #idle = new Map<Worker, () => void>();
  #closed = false;

  constructor(size: number, spawn: () => Worker) {
    this.#size = size;
    this.#spawn = spawn;
    this.refill();
  }

  /** An idle spare (possibly still booting: what is posted to it waits for it), or a new thread when none is left. */
  take(): Worker {
    const next = this.#idle.entries().next();
    if (next.done) return this.#spawn();
    const [spare, dropped] = next.value;
    this.#idle.delete(spare);
    spare.off("error", dropped).off("exit", dropped);
    spare.ref();
    return spare;
  }

  /** Starts spares until `size` are idle; a no-op once closed. */
  refill(): void {
    while (!this.#closed && this.#idle.size < this.#size) {
      const spare = this.#spawn();
      spare.unref();
      // A spare that fails idle (it has run no guest code) is dropped; the next refill replaces it.
      const dropped = () => {
        this.#idle.delete(spare);
        void spare.terminate();
      };
      spare.once("error", dropped).once("exit", dropped);
      this.#idle.set(spare, dropped);
    }
  }

  /** Terminates the idle spares; threads already taken belong to their instances. */
  async close(): Promise<void> {
    this.#closed = true;
    const idle = [...this.#idle.keys()];
    this.#idle.clear();
    await Promise.all(idle.map((w) => w.terminate()));
  }
}
