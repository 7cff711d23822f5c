import { AckPolicy, DeliverPolicy, type ConsumerInfo, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { subjects } from "../../../domain/subjects.js";
import { PULL_EXPIRES_MS, streamNames } from "../../../streams/catalog.js";
import { isNotFound } from "../../../streams/nats-errors.js";
import { lastMatchingSeq } from "../../../streams/reader.js";
import { throughOutages } from "../../../streams/through-outages.js";
import type { ConsumerFloorFile } from "./consumer-floor.js";

/** Assignments one pull asks for; the consumer's max_ack_pending (the slots) is what bounds deliveries. */
const PULL_BATCH = 64;

export const assignmentConsumerName = (nodeId: string) => `spearlet_${nodeId}`;

/**
 * The stream sequence up to which a consumer's assignments are all acknowledged, when its state
 * says: everything delivered when nothing is outstanding, else its ack floor. nats-server reports
 * a floor of 0 until the first acknowledgement, so a consumer that has acknowledged nothing tells
 * only where it began, and only when it was made at a sequence and has delivered nothing yet.
 */
function ackedUpTo(info: ConsumerInfo): number | undefined {
  if (info.num_ack_pending === 0 && info.delivered.consumer_seq > 0) return info.delivered.stream_seq;
  if (info.ack_floor.consumer_seq > 0) return info.ack_floor.stream_seq;
  return info.delivered.consumer_seq === 0 && info.delivered.stream_seq > 0 ? info.delivered.stream_seq : undefined;
}

export interface AssignmentConsumerOptions {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly nodeId: string;
  /** Assignments delivered and not yet acknowledged at most (the node's slots). */
  readonly slots: number;
  readonly ackWaitMs: number;
  /**
   * How far back an assignment of this node can still hold a live lease. A node that knows no
   * ack floor (its first start, or its data folder lost) reads back only this far, not its whole
   * history: an older assignment could only be fenced off, and one skipped by a window too short
   * waits for its lease to run out and is retried elsewhere.
   */
  readonly replayWindowMs: () => number;
  /** Where the node keeps its last known ack floor across its processes. */
  readonly floorFile: ConsumerFloorFile;
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

  /**
   * Gives this process a consumer of its own making, positioned after the last acknowledged
   * assignment. The durable consumer outlives the node's processes: a process killed with
   * assignments delivered and unacknowledged would leave them counting against `max_ack_pending`
   * (the slots) until their ack wait, so a restarted node would take no work meanwhile. Made
   * afresh, it delivers those assignments again at once (each is checked against the result
   * stream and its lease before anything runs) and counts nothing stale. Returns the last
   * sequence on the node's subject now: assignments up to it may have been handled before.
   */
  async reset(signal?: AbortSignal): Promise<number> {
    const { jsm, log } = this.#o;
    // NATS may go away half-way (a restart): each step is tried again, and the floor read first is kept.
    const step = <T>(what: string, run: () => Promise<T>) => throughOutages(what, run, { log, signal });
    const created = await step("read the assignment stream", async () => (await jsm.streams.info(streamNames.assign)).created);
    const read = await step("read the assignment consumer", async () => {
      try {
        return ackedUpTo(await jsm.consumers.info(streamNames.assign, this.#name));
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    });
    // Kept before the consumer goes: a kill before the new one exists must not lose it.
    if (read !== undefined) this.#o.floorFile.write(created, read);
    const floor = read ?? this.#o.floorFile.read(created) ?? 0;
    await step("delete the assignment consumer", async () => {
      try {
        await jsm.consumers.delete(streamNames.assign, this.#name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    });
    const { seq } = await step("read the node's last assignment", () => lastMatchingSeq(jsm, streamNames.assign, subjects.assign(this.#o.nodeId)));
    await step("create the assignment consumer", () =>
      this.#create(
        floor > 0
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: floor + 1 }
          : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(Date.now() - this.#o.replayWindowMs()).toISOString() },
      ),
    );
    return seq;
  }

  /** After an interruption the consumer may be gone (the stream was recreated): create it again, from where the stream starts. */
  async #ensureExists(): Promise<void> {
    try {
      await this.#o.jsm.consumers.info(streamNames.assign, this.#name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await this.#create({ deliver_policy: DeliverPolicy.All });
    }
  }

  async #create(position: { deliver_policy: DeliverPolicy; opt_start_seq?: number; opt_start_time?: string }): Promise<void> {
    await this.#o.jsm.consumers.add(streamNames.assign, {
      durable_name: this.#name,
      filter_subject: subjects.assign(this.#o.nodeId),
      ack_policy: AckPolicy.Explicit,
      max_deliver: -1,
      ack_wait: nanos(this.#o.ackWaitMs),
      max_ack_pending: this.#o.slots,
      ...position,
    });
  }

  /** Delivers assignments to `handle` until `stop`. */
  start(handle: (m: JsMsg) => Promise<void>): void {
    this.#running ??= this.#loop(handle);
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

  async #loop(handle: (m: JsMsg) => Promise<void>): Promise<void> {
    const log = this.#o.log.child({ part: "assignment-consumer", consumer: this.#name });
    // One line per interruption, however many tries resuming takes (NATS away for a while).
    for (let wait = 250, interrupted = false; !this.#stopped; wait = Math.min(wait * 2, 5_000)) {
      try {
        const consumer = await this.#o.js.consumers.get(streamNames.assign, this.#name);
        // Asking for more than the slots lets nats.js refill the pull a quarter at a time, not after every assignment.
        this.#messages = await consumer.consume({ max_messages: PULL_BATCH, expires: PULL_EXPIRES_MS });
        if (this.#stopped) this.#messages.stop();
        for await (const m of this.#messages) {
          const handled = handle(m).finally(() => this.#handlers.delete(handled));
          this.#handlers.add(handled);
          wait = 250;
          interrupted = false;
        }
      } catch (e) {
        if (this.#stopped) return;
        if (!interrupted) log.warn({ err: e }, "assignment consumer interrupted; resuming");
        interrupted = true;
        await this.#ensureQuietly(log);
      }
      if (!this.#stopped) await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** After an interruption the consumer may be gone (stream recreated): create it again. */
  async #ensureQuietly(log: Logger): Promise<void> {
    try {
      await this.#ensureExists();
    } catch (e) {
      log.debug({ err: e }, "could not re-create the assignment consumer yet");
    }
  }
}
