import type { Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { subjects } from "../../domain/subjects.js";
import type { Nats } from "../../streams/connection.js";
import { resendResult } from "../../streams/invocations/results.js";

/** How long a later request of a running invocation waits for its result to pass it on. */
const FOLLOW_MS = 60 * 60_000;
const MAX_FOLLOWERS = 10_000;

/**
 * A request for an invocation that is running already (its id submitted again after the
 * duplicate window while the first call still runs) runs nothing: its caller gets the one
 * result when it is recorded. The result subject is watched before the stream is read, so a
 * result recorded in between is not missed. A follower lives in this process only: should it
 * die, the caller reads the result by id, as after any missed reply.
 */
export class ResultFollowers {
  private readonly subs = new Set<Subscription>();

  constructor(
    private readonly nats: Nats,
    private readonly log: Logger,
  ) {}

  async follow(invocationId: string, replyTo: string): Promise<void> {
    if (this.subs.size >= MAX_FOLLOWERS) {
      this.log.warn({ invocationId }, "too many callers waiting for running invocations; this one reads the result by id");
      return;
    }
    const sub = this.nats.nc.subscribe(subjects.result(invocationId), {
      max: 1,
      timeout: FOLLOW_MS,
      callback: (err, m) => {
        this.subs.delete(sub);
        if (!err) this.nats.nc.publish(replyTo, m.data, { headers: m.headers });
      },
    });
    this.subs.add(sub);
    await this.nats.nc.flush();
    if (await resendResult(this.nats.nc, this.nats.jsm, invocationId, replyTo)) {
      sub.unsubscribe();
      this.subs.delete(sub);
    }
  }

  stop(): void {
    for (const s of this.subs) s.unsubscribe();
    this.subs.clear();
  }
}
