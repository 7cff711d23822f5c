import { createInbox, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";

/** A reply subject being waited on, and the first message to arrive there. */
export interface PendingReply {
  readonly subject: string;
  /** The first message on `subject`; undefined once the wait timed out or was closed. */
  readonly reply: Promise<Msg | undefined>;
  /** Stops waiting (a reply arriving later is dropped). */
  close(): void;
}

/**
 * One wildcard subscription per connection (`<inbox>.*`) for the replies of every call waiting
 * on it, as a core request does: an inbox subscribed and unsubscribed per call costs the server
 * two subscription changes and the client two writes, on every call. Each wait's subject ends in
 * a random token: a node learns the reply subject of every call it runs (and of the probes it
 * answers), and with a counter it could have answered the next calls waiting on the same
 * connection (a gateway's, a control plane's) with results of its own.
 */
class ReplyInbox {
  readonly #waiting = new Map<string, (m: Msg | undefined) => void>();
  readonly #prefix = createInbox();
  #sub: Subscription;

  constructor(private readonly nc: NatsConnection) {
    this.#sub = this.#subscribe();
    // A closed connection answers nobody: the waits end now, not at their timeouts.
    void nc.closed().then(() => {
      for (const finish of [...this.#waiting.values()]) finish(undefined);
    });
  }

  #subscribe(): Subscription {
    return this.nc.subscribe(`${this.#prefix}.*`, {
      callback: (err, m) => {
        if (err) return;
        this.#waiting.get(m.subject)?.(m);
      },
    });
  }

  open(timeoutMs: number): PendingReply {
    // A connection that drained or closed took the subscription with it.
    if (this.#sub.isClosed()) this.#sub = this.#subscribe();
    const subject = `${this.#prefix}.${randomUUID()}`;
    let settle!: (m: Msg | undefined) => void;
    const reply = new Promise<Msg | undefined>((resolve) => (settle = resolve));
    const finish = (m: Msg | undefined) => {
      clearTimeout(timer);
      this.#waiting.delete(subject);
      settle(m);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    this.#waiting.set(subject, finish);
    return { subject, reply, close: () => finish(undefined) };
  }
}

const inboxes = new WeakMap<NatsConnection, ReplyInbox>();

/** Waits for the first reply on a fresh reply subject of this connection's shared inbox (subscribed before it is returned). */
export function awaitReply(nc: NatsConnection, timeoutMs: number): PendingReply {
  let inbox = inboxes.get(nc);
  if (!inbox) inboxes.set(nc, (inbox = new ReplyInbox(nc)));
  return inbox.open(timeoutMs);
}
