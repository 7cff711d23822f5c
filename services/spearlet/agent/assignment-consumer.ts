import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { subjects } from "../../../domain/subjects.js";
import { streamNames } from "../../../streams/catalog.js";
import { isNotFound } from "../../../streams/nats-errors.js";
import { lastMatchingSeq } from "../../../streams/reader.js";

export const assignmentConsumerName = (nodeId: string) => `spearlet_${nodeId}`;

export interface AssignmentConsumerOptions {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly nodeId: string;
  /** Assignments delivered and not yet acknowledged at most (the node's slots). */
  readonly slots: number;
  readonly ackWaitMs: number;
  readonly handle: (m: JsMsg) => Promise<void>;
  readonly log: Logger;
}

/**
 * The node's durable pull consumer on its own subject `spear.assign.<nodeId>`: explicit acks,
 * at most `slots` assignments in flight, redelivery after `ackWait` unless the handler sends
 * in-progress acks. Surviving restarts, it hands a restarted node what it had not acknowledged.
 */
export class AssignmentConsumer {
  readonly #o: AssignmentConsumerOptions;
  readonly #name: string;
  readonly #handlers = new Set<Promise<void>>();
  #messages: ConsumerMessages | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: AssignmentConsumerOptions) {
    this.#o = options;
    this.#name = assignmentConsumerName(options.nodeId);
  }

  /** Creates the durable consumer, or brings its limits in line with this start's settings. */
  async ensure(): Promise<void> {
    const { jsm, slots, ackWaitMs } = this.#o;
    const wanted = { ack_wait: nanos(ackWaitMs), max_ack_pending: slots };
    try {
      const { config } = await jsm.consumers.info(streamNames.assign, this.#name);
      if (config.ack_wait !== wanted.ack_wait || config.max_ack_pending !== wanted.max_ack_pending) {
        await jsm.consumers.update(streamNames.assign, this.#name, wanted);
      }
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await jsm.consumers.add(streamNames.assign, {
        durable_name: this.#name,
        filter_subject: subjects.assign(this.#o.nodeId),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        max_deliver: -1,
        ...wanted,
      });
    }
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  /**
   * Whether every assignment on the node's subject has been delivered and acknowledged
   * (compared by stream sequence: the server's pending count is wrong for filtered consumers).
   */
  async caughtUp(): Promise<boolean> {
    const { seq } = await lastMatchingSeq(this.#o.jsm, streamNames.assign, subjects.assign(this.#o.nodeId));
    const info = await this.#o.jsm.consumers.info(streamNames.assign, this.#name);
    return info.num_ack_pending === 0 && info.delivered.stream_seq >= seq && this.#handlers.size === 0;
  }

  /** Stops taking assignments and waits for the handlers under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#messages?.stop();
    await this.#running;
    while (this.#handlers.size > 0) await Promise.allSettled([...this.#handlers]);
  }

  async #loop(): Promise<void> {
    const log = this.#o.log.child({ part: "assignment-consumer", consumer: this.#name });
    for (let wait = 250; !this.#stopped; wait = Math.min(wait * 2, 5_000)) {
      try {
        const consumer = await this.#o.js.consumers.get(streamNames.assign, this.#name);
        this.#messages = await consumer.consume({ max_messages: this.#o.slots });
        if (this.#stopped) this.#messages.stop();
        for await (const m of this.#messages) {
          const handled = this.#o.handle(m).finally(() => this.#handlers.delete(handled));
          this.#handlers.add(handled);
          wait = 250;
        }
      } catch (e) {
        if (this.#stopped) return;
        log.warn({ err: e }, "assignment consumer interrupted; resuming");
        await this.#ensureQuietly(log);
      }
      if (!this.#stopped) await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** After an interruption the consumer may be gone (stream recreated): create it again. */
  async #ensureQuietly(log: Logger): Promise<void> {
    try {
      await this.ensure();
    } catch (e) {
      log.warn({ err: e }, "could not re-create the assignment consumer yet");
    }
  }
}
