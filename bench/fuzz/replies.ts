import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";

/**
 * One subscription for every reply subject of the run (`_INBOX.fuzz-<run>.<n>`): a message
 * asks for its subject before it is sent and waits there, so no reply can slip past. A second
 * reply to the same subject is counted (the contract promises normally one).
 */
export class ReplyBox {
  readonly prefix: string;
  /** Replies that came to a subject already answered. */
  repeated = 0;
  private readonly waiting = new Map<string, (m: Msg) => void>();
  private readonly answered = new Set<string>();
  private readonly sub: Subscription;

  constructor(nc: NatsConnection, runId: string) {
    this.prefix = `_INBOX.fuzz-${runId}`;
    this.sub = nc.subscribe(`${this.prefix}.>`, {
      callback: (err, m) => {
        if (err) return;
        if (this.answered.has(m.subject)) {
          this.repeated++;
          return;
        }
        this.answered.add(m.subject);
        const resolve = this.waiting.get(m.subject);
        this.waiting.delete(m.subject);
        resolve?.(m);
      },
    });
  }

  subject(index: number): string {
    return `${this.prefix}.${index}`;
  }

  /** Resolves with the first reply on `subject`, or undefined after `timeoutMs`. Call before sending. */
  wait(subject: string, timeoutMs: number): Promise<Msg | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(subject);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(subject, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }

  close(): void {
    this.sub.unsubscribe();
  }
}
