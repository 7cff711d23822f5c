import type { NatsConnection } from "@nats-io/transport-node";

/**
 * The connection's reconnects, for whoever waits out an outage or must not judge by what it saw
 * while every client was reconnecting. A request sent just before or
 * during an outage is not answered once the connection is back (it times out however soon the
 * server returns), so the waiter asks again the moment the connection is back rather than
 * after its timeout.
 */
export class Reconnects {
  readonly #listeners = new Set<() => void>();
  readonly #always = new Set<() => void>();
  #watching = true;

  constructor(nc: NatsConnection) {
    void (async () => {
      for await (const s of nc.status()) {
        if (!this.#watching) break;
        if (s.type !== "reconnect") continue;
        const listeners = [...this.#always, ...this.#listeners];
        this.#listeners.clear();
        for (const listener of listeners) listener();
      }
    })();
  }

  /** Calls `listener` once, at the next reconnect; the function returned cancels that. */
  once(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls `listener` at every reconnect; the function returned stops that. */
  each(listener: () => void): () => void {
    this.#always.add(listener);
    return () => this.#always.delete(listener);
  }

  stop(): void {
    this.#watching = false;
    this.#listeners.clear();
    this.#always.clear();
  }
}
