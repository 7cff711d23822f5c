import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { Objm, type ObjectStore } from "@nats-io/obj";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { defaultStreamSettings, streamCatalog } from "../streams/catalog.js";
import { isStreamNotFound } from "../streams/nats-errors.js";
import type { AnyProjection } from "./projection.js";

/** One object per projection, named after it: the latest whole state with its stream sequence. */
export const SNAPSHOT_BUCKET = "spear_snapshots";

/**
 * The fold each snapshot was taken with. Bump a projection's number whenever its fold (its
 * `evolve`, or a domain view function it calls) changes what it makes of an event: snapshots
 * of the old fold are then ignored and services fold from sequence 1 until a worker writes one.
 */
const foldVersions: Readonly<Record<string, number>> = {
  "node-registry": 2,
  "session-table": 2,
};
export const foldVersion = (p: AnyProjection): number => foldVersions[p.name] ?? 1;

/**
 * Only projections of streams kept forever are snapshotted: the others are bounded by their
 * stream's max age already, and a snapshot would remember what a fold of the stream no longer sees.
 */
const keptForever = new Set(streamCatalog(defaultStreamSettings).filter((d) => !d.config.max_age).map((d) => d.config.name));
export const isSnapshotted = (p: AnyProjection): boolean => keptForever.has(p.stream);

const FORMAT = 1;

interface SnapshotFile {
  readonly format: number;
  readonly projection: string;
  readonly foldVersion: number;
  /** When the stream was created: a snapshot of a stream since deleted and made again is not its. */
  readonly streamCreated: string;
  readonly lastSeq: number;
  readonly takenAt: string;
  readonly docs: readonly (readonly [string, unknown])[];
}

export interface Snapshot<D> {
  readonly docs: ReadonlyMap<string, D>;
  readonly lastSeq: number;
  readonly takenAt: string;
}

/** Why a snapshot was not used; the host then folds from sequence 1. */
export type SnapshotLoad<D> = { ok: true; snapshot: Snapshot<D> } | { ok: false; reason: string };

export const createSnapshotBucket = (js: JetStreamClient, replicas: number): Promise<ObjectStore> =>
  new Objm(js).create(SNAPSHOT_BUCKET, { replicas, description: "Spear read model snapshots, one object per projection" });

/** The bucket when it exists (`spear streams apply` creates it), else undefined. */
export async function openSnapshotBucket(js: JetStreamClient, jsm: JetStreamManager): Promise<ObjectStore | undefined> {
  try {
    await jsm.streams.info(`OBJ_${SNAPSHOT_BUCKET}`);
  } catch (e) {
    if (isStreamNotFound(e)) return undefined;
    throw e;
  }
  return new Objm(js).open(SNAPSHOT_BUCKET);
}

/** Writes the whole state at `lastSeq` as one object: a reader gets all of it or none. */
export async function writeSnapshot(os: ObjectStore, jsm: JetStreamManager, p: AnyProjection, docs: Iterable<readonly [string, unknown]>, lastSeq: number): Promise<number> {
  const { created } = await jsm.streams.info(p.stream);
  const file: SnapshotFile = { format: FORMAT, projection: p.name, foldVersion: foldVersion(p), streamCreated: created, lastSeq, takenAt: new Date().toISOString(), docs: [...docs] };
  // Level 1: documents repeat their field names, so even the fastest level shrinks them several times.
  const bytes = await promisify(gzip)(JSON.stringify(file), { level: 1 });
  await os.putBlob({ name: p.name, metadata: { lastSeq: String(lastSeq), foldVersion: String(foldVersion(p)) } }, bytes);
  return bytes.length;
}

/** The sequence of the latest usable-looking snapshot of `p` from its metadata alone (0: none). */
export async function snapshotSeq(os: ObjectStore, p: AnyProjection): Promise<number> {
  const info = await os.info(p.name);
  if (!info || info.deleted || info.metadata?.foldVersion !== String(foldVersion(p))) return 0;
  return Number(info.metadata.lastSeq) || 0;
}

/** How long one read of a snapshot object may take, and how many reads are tried. */
const BLOB_READ_MS = 5_000;
const BLOB_READS = 3;

/**
 * A read of an object that a worker replaces meanwhile can wait for ever for chunks the new
 * put has purged: each read is bounded, and a timed-out one is tried again (it then finds the
 * new object), up to BLOB_READS times.
 */
async function readBlob(os: ObjectStore, name: string): Promise<Uint8Array | null> {
  for (let read = 1; ; read++) {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), BLOB_READ_MS)));
    const bytes = await Promise.race([os.getBlob(name), timedOut]).finally(() => clearTimeout(timer));
    if (bytes !== "timeout") return bytes;
    if (read >= BLOB_READS) throw new Error(`not read within ${BLOB_READ_MS} ms, ${read} times`);
  }
}

/**
 * The latest snapshot of `p`, checked against the stream it claims to cover. Every problem
 * (none written, another fold version, a stream made again or cut short, a damaged object)
 * is a reason not to use it, never an error: the fold from sequence 1 is always there.
 */
export async function loadSnapshot<D>(js: JetStreamClient, jsm: JetStreamManager, p: AnyProjection): Promise<SnapshotLoad<D>> {
  if (!isSnapshotted(p)) return { ok: false, reason: "not snapshotted: its stream has a max age" };
  try {
    const os = await openSnapshotBucket(js, jsm);
    if (!os) return { ok: false, reason: "no snapshot bucket" };
    const bytes = await readBlob(os, p.name);
    if (!bytes) return { ok: false, reason: "no snapshot written yet" };
    const file = JSON.parse((await promisify(gunzip)(bytes)).toString("utf8")) as SnapshotFile;
    if (file.format !== FORMAT || file.projection !== p.name || !Array.isArray(file.docs) || !Number.isInteger(file.lastSeq)) {
      return { ok: false, reason: "not a snapshot of this projection in this format" };
    }
    if (file.foldVersion !== foldVersion(p)) return { ok: false, reason: `taken with fold version ${file.foldVersion}, not ${foldVersion(p)}` };
    const info = await jsm.streams.info(p.stream);
    if (info.created !== file.streamCreated) return { ok: false, reason: "taken of another incarnation of the stream" };
    if (info.state.last_seq < file.lastSeq) return { ok: false, reason: `taken at sequence ${file.lastSeq}, past the stream's last ${info.state.last_seq}` };
    return { ok: true, snapshot: { docs: new Map(file.docs as [string, D][]), lastSeq: file.lastSeq, takenAt: file.takenAt } };
  } catch (e) {
    return { ok: false, reason: `unreadable: ${e instanceof Error ? e.message : String(e)}` };
  }
}
