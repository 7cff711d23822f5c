import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { ObjectStore } from "@nats-io/obj";
import type { Logger } from "pino";
import { lastMatchingSeq } from "../streams/reader.js";
import type { AnyProjection } from "./projection.js";
import { createSnapshotBucket, isSnapshotted, openSnapshotBucket, snapshotSeq, writeSnapshot } from "./snapshots.js";

export interface SnapshotPolicy {
  /** Take one once this many events were folded since the last... */
  readonly everyEvents: number;
  /** ...or once this long passed with anything folded since (ms). */
  readonly everyMs: number;
}

export const defaultSnapshotPolicy: SnapshotPolicy = { everyEvents: 50_000, everyMs: 60_000 };

/**
 * Writes a worker's state as the projection's snapshot when the policy says so, and when the
 * worker first catches up with the log (so a fresh or newly versioned projection gets one at
 * once). The worker's lock makes it the projection's only writer.
 */
export class SnapshotWriter {
  private os?: ObjectStore;
  private takenSeq = 0;
  private takenAt = Date.now();
  private caughtUpTaken = false;
  private failedOnce = false;
  private covering = false;

  private constructor(
    private readonly jsm: JetStreamManager,
    private readonly projection: AnyProjection,
    private readonly log: Logger,
    private readonly policy: SnapshotPolicy,
  ) {}

  /** A writer for `p`, or undefined when it is not snapshotted or the bucket cannot be had. */
  static async open(js: JetStreamClient, jsm: JetStreamManager, p: AnyProjection, log: Logger, policy: SnapshotPolicy, replicas: number): Promise<SnapshotWriter | undefined> {
    if (!isSnapshotted(p)) return undefined;
    const writer = new SnapshotWriter(jsm, p, log, policy);
    try {
      // An identity that may not create streams finds it made by `spear streams apply`.
      writer.os = (await openSnapshotBucket(js, jsm)) ?? (await createSnapshotBucket(js, replicas));
      writer.takenSeq = await snapshotSeq(writer.os, p);
    } catch (e) {
      log.warn({ projection: p.name, reason: e instanceof Error ? e.message : String(e) }, "snapshots unavailable; services fold this projection from sequence 1");
      return undefined;
    }
    return writer;
  }

  /**
   * After a commit at `seq`, written before the worker folds on (the documents are those of
   * `seq` only until then). `caughtUp`: the worker has folded every event there was at its start.
   */
  async consider(seq: number, caughtUp: boolean, docs: () => Iterable<readonly [string, unknown]>): Promise<void> {
    const since = seq - this.takenSeq;
    if (since <= 0) return;
    const due = since >= this.policy.everyEvents || Date.now() - this.takenAt >= this.policy.everyMs || (caughtUp && !this.caughtUpTaken);
    if (!due) return;
    this.takenAt = Date.now();
    if (caughtUp) this.caughtUpTaken = true;
    await this.write([...docs()], seq);
  }

  /**
   * While the worker is idle: when it has folded every event of its subject that the stream
   * holds, its state is also the fold up to the stream's last sequence, and is written as
   * such (when due). A starting service then reads on from near the end of the stream rather
   * than from the last event of a subject written rarely, which nats-server finds only by
   * scanning back through everything written since. `folded` is the worker's checkpoint
   * and `docs` its documents there: called between two batches.
   */
  async cover(folded: number, docs: () => Iterable<readonly [string, unknown]>): Promise<void> {
    if (this.covering || (this.takenSeq > 0 && Date.now() - this.takenAt < this.policy.everyMs)) return;
    this.covering = true;
    const entries = [...docs()];
    try {
      const { stream, subject } = this.projection;
      // The stream's end first: every event of the subject up to it is then at or before the newest match.
      const end = (await this.jsm.streams.info(stream)).state.last_seq;
      if (end <= this.takenSeq) return;
      if ((await lastMatchingSeq(this.jsm, stream, subject)).seq > folded) return;
      this.takenAt = Date.now();
      await this.write(entries, end);
    } finally {
      this.covering = false;
    }
  }

  private async write(entries: (readonly [string, unknown])[], seq: number): Promise<void> {
    const started = Date.now();
    try {
      const bytes = await writeSnapshot(this.os!, this.jsm, this.projection, entries, seq);
      this.takenSeq = seq;
      this.failedOnce = false;
      this.log.info({ projection: this.projection.name, lastSeq: seq, documents: entries.length, bytes, ms: Date.now() - started }, "snapshot written");
    } catch (e) {
      // The next commit tries again; services meanwhile start from the previous one.
      const fields = { projection: this.projection.name, lastSeq: seq, reason: e instanceof Error ? e.message : String(e) };
      if (this.failedOnce) this.log.debug(fields, "snapshot not written");
      else this.log.warn(fields, "snapshot not written");
      this.failedOnce = true;
    }
  }
}
