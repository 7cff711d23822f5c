import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { isSpearError, SpearError } from "../domain/errors.js";
import type { DomainEvent } from "../domain/events/catalog.js";
import type { AggregateRef, RecordedEvent } from "../domain/events/envelope.js";
import { subjects } from "../domain/subjects.js";
import { streamNames } from "./catalog.js";
import { decodeRecorded, encodeEnvelope, newMeta, rawOf, type EventContext, type RawStoredMessage } from "./codec.js";
import { deadLetter } from "./dead-letter.js";
import { encodeJson } from "./json.js";
import { isWrongLastSequence } from "./nats-errors.js";
import { readStream } from "./reader.js";

/** Beyond this many events an aggregate is read through a consumer rather than one get per event. */
const DIRECT_READ_LIMIT = 64;

/** `number`: the aggregate's last stream sequence as read (0 = no events yet); `"any"`: no check. */
export type ExpectedVersion = number | "any";

export interface AppendOptions extends Omit<EventContext, "eventId"> {
  readonly expectedVersion: ExpectedVersion;
  /** One id per event, to make a retried append idempotent. */
  readonly eventIds?: readonly string[];
}

export interface AppendResult {
  /** The aggregate's version after the append: the stream sequence of its last event. */
  readonly version: number;
  readonly seqs: readonly number[];
  /** True for events whose id the server had already stored (nothing new was written). */
  readonly duplicates: readonly boolean[];
}

export interface ReadResult {
  readonly events: readonly RecordedEvent[];
  readonly version: number;
  /** Messages on the aggregate's subject that are no event (junk from another client): left out, and dead-lettered. */
  readonly skipped: number;
}

/**
 * The control-event store: one subject per aggregate in SPEAR_EVENTS, optimistic concurrency
 * on that subject's last sequence, idempotence on the event id (`Nats-Msg-Id`).
 */
export class EventStore {
  readonly stream = streamNames.events;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  /**
   * Appends events in order. The server checks the expected version on the first; each next
   * event expects the sequence of the one before, so nothing can interleave. (A server crash
   * between two events of one batch can store a prefix: deciders emit batches only where a
   * prefix is itself a valid history.)
   */
  async append(aggregate: AggregateRef, events: readonly DomainEvent[], opts: AppendOptions): Promise<AppendResult> {
    const subject = subjects.event(aggregate.type, aggregate.id);
    let expected = opts.expectedVersion;
    const seqs: number[] = [];
    const duplicates: boolean[] = [];
    for (const [i, event] of events.entries()) {
      const eventId = opts.eventIds?.[i];
      const meta = newMeta(event, aggregate, { ...opts, ...(eventId ? { eventId } : {}) });
      const { headers, body } = encodeEnvelope(event, meta);
      try {
        const ack = await this.js.publish(subject, encodeJson(body), {
          headers,
          msgID: meta.eventId,
          ...(typeof expected === "number" ? { expect: { lastSubjectSequence: expected } } : {}),
        });
        seqs.push(ack.seq);
        duplicates.push(ack.duplicate);
        expected = ack.seq;
      } catch (e) {
        if (isWrongLastSequence(e)) {
          throw new SpearError(
            "version_conflict",
            `${aggregate.type} ${aggregate.id} changed since version ${String(expected)}`,
            { aggregateType: aggregate.type, aggregateId: aggregate.id, expectedVersion: expected },
            { cause: e },
          );
        }
        throw e;
      }
    }
    return { version: typeof expected === "number" ? expected : (seqs.at(-1) ?? 0), seqs, duplicates };
  }

  /** The stream sequence of the aggregate's last event, 0 when it has none. */
  async version(aggregate: AggregateRef): Promise<number> {
    const last = await this.jsm.direct.getMessage(this.stream, { last_by_subj: subjects.event(aggregate.type, aggregate.id) });
    return last?.seq ?? 0;
  }

  /**
   * All events of one aggregate, decoded and upcast, with its version. Short histories come by
   * direct gets (served by any replica, no consumer to create); long ones by an ordered consumer.
   * A message that is no event (published by another client, say) would otherwise make the
   * aggregate unusable for good, since events are kept forever: it is left out of the history and
   * kept in the dead-letter stream with the reason (once, whoever reads it); the version still
   * counts it, so appends stay in order.
   */
  async read(aggregate: AggregateRef): Promise<ReadResult> {
    const version = await this.version(aggregate);
    if (version === 0) return { events: [], version: 0, skipped: 0 };
    const subject = subjects.event(aggregate.type, aggregate.id);
    const events: RecordedEvent[] = [];
    let skipped = 0;
    const take = async (raw: RawStoredMessage) => {
      try {
        events.push(decodeRecorded(raw, this.stream));
      } catch (e) {
        if (!isSpearError(e)) throw e;
        skipped++;
        await deadLetter(this.js, { source: "events", key: aggregate.type, reason: { code: e.code, message: e.message }, original: { stream: this.stream, ...raw } });
      }
    };
    let seq = 0;
    while (seq < version && events.length + skipped < DIRECT_READ_LIMIT) {
      const m = await this.jsm.direct.getMessage(this.stream, { seq: seq + 1, next_by_subj: subject });
      if (!m) break;
      await take(rawOf(m));
      seq = m.seq;
    }
    if (seq < version) {
      for await (const m of readStream(this.js, this.stream, { filter: subject, fromSeq: seq + 1, toSeq: version })) await take(rawOf(m));
    }
    return { events, version, skipped };
  }
}
