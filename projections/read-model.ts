import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { decodeJson, encodeJson } from "../streams/json.js";
import { isStreamNotFound } from "../streams/nats-errors.js";
import type { AnyProjection } from "./projection.js";

export const bucketName = (p: AnyProjection) => `spear_rm_${p.name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
export const consumerName = (p: AnyProjection) => `proj_${p.name.replace(/[^A-Za-z0-9_-]/g, "_")}`;

/** Keys starting with `_` are the worker's own bookkeeping; everything else is a document. */
export const META = { checkpoint: "_checkpoint", wal: "_wal", owner: "_owner" } as const;
const walChunk = (i: number) => `_wal.${i}`;
export const isDocKey = (key: string) => !key.startsWith("_");

/** Under the default 1 MiB message limit, with room for headers. */
const MAX_CHUNK_BYTES = 512 * 1024;
const WRITE_CONCURRENCY = 64;

export interface Checkpoint {
  readonly seq: number;
  readonly at: string;
}

interface WalManifest {
  readonly to: number;
  readonly chunks: number;
}

type Change = readonly [key: string, doc: unknown];

/**
 * The projection's bucket, opened when it exists (`spear streams apply` creates it; a worker's
 * identity may not create streams) and created otherwise (by an identity that may).
 */
export async function openReadModel(js: JetStreamClient, p: AnyProjection, replicas: number): Promise<KV> {
  return (await openExistingReadModel(js, await js.jetstreamManager(), p)) ?? createReadModel(js, p, replicas);
}

export const createReadModel = (js: JetStreamClient, p: AnyProjection, replicas: number): Promise<KV> =>
  new Kvm(js).create(bucketName(p), { history: 1, replicas });

/**
 * A projection's read model, to read, or undefined when no worker has created it yet. Reads
 * use direct gets when the bucket allows them: a plain STREAM.MSG.GET on a bucket still being
 * created crashes nats-server 2.9.10 (the stream is listed before its store exists), whereas a
 * direct get then just fails and can be tried again.
 */
export async function openExistingReadModel(js: JetStreamClient, jsm: JetStreamManager, p: AnyProjection): Promise<KV | undefined> {
  let allowDirect: boolean | undefined;
  try {
    allowDirect = (await jsm.streams.info(`KV_${bucketName(p)}`)).config.allow_direct;
  } catch (e) {
    if (isStreamNotFound(e)) return undefined;
    throw e;
  }
  return new Kvm(js).open(bucketName(p), { allow_direct: allowDirect ?? false });
}

export async function readJson<T>(kv: KV, key: string): Promise<{ value: T; revision: number } | undefined> {
  const e = await kv.get(key);
  if (!e || e.operation !== "PUT" || e.value.length === 0) return undefined;
  return { value: decodeJson(e.value) as T, revision: e.revision };
}

export async function readCheckpoint(kv: KV): Promise<number> {
  return (await readJson<Checkpoint>(kv, META.checkpoint))?.value.seq ?? 0;
}

/** Every document in the bucket, by key. */
export async function loadDocuments<D>(kv: KV): Promise<Map<string, D>> {
  const docs = new Map<string, D>();
  const keys: string[] = [];
  for await (const k of await kv.keys()) if (isDocKey(k)) keys.push(k);
  await inParallel(keys, async (k) => {
    const e = await readJson<D>(kv, k);
    if (e) docs.set(k, e.value);
  });
  return docs;
}

/**
 * Persists one batch so that a crash at any point leaves either the old checkpoint with the
 * old documents recoverable, or the new one: the changes go first into a write-ahead log whose
 * manifest is a single put, then to their keys, then the checkpoint moves.
 */
export async function commitBatch(kv: KV, changes: ReadonlyMap<string, unknown>, toSeq: number): Promise<void> {
  if (changes.size > 0) {
    const entries: Change[] = [...changes];
    const chunks = chunkBySize(entries);
    await inParallel(chunks.map((c, i) => [i, c] as const), ([i, c]) => kv.put(walChunk(i), encodeJson(c)));
    await kv.put(META.wal, encodeJson({ to: toSeq, chunks: chunks.length } satisfies WalManifest));
    await applyChanges(kv, entries);
  }
  await kv.put(META.checkpoint, encodeJson({ seq: toSeq, at: new Date().toISOString() } satisfies Checkpoint));
}

/** Finishes a batch whose log was written but whose checkpoint was not. Returns the checkpoint. */
export async function recover(kv: KV): Promise<number> {
  const checkpoint = await readCheckpoint(kv);
  const wal = await readJson<WalManifest>(kv, META.wal);
  if (!wal || wal.value.to <= checkpoint) return checkpoint;
  const entries: Change[] = [];
  for (let i = 0; i < wal.value.chunks; i++) {
    const chunk = await readJson<Change[]>(kv, walChunk(i));
    if (!chunk) throw new Error(`write-ahead log chunk ${i} of ${kv} is missing`);
    entries.push(...chunk.value);
  }
  await applyChanges(kv, entries);
  await kv.put(META.checkpoint, encodeJson({ seq: wal.value.to, at: new Date().toISOString() } satisfies Checkpoint));
  return wal.value.to;
}

const applyChanges = (kv: KV, entries: readonly Change[]) =>
  inParallel(entries, ([k, doc]) => (doc === undefined ? kv.delete(k) : kv.put(k, encodeJson(doc))));

function chunkBySize(entries: readonly Change[]): Change[][] {
  const chunks: Change[][] = [];
  let current: Change[] = [];
  let size = 0;
  for (const e of entries) {
    const bytes = JSON.stringify(e).length;
    if (current.length > 0 && size + bytes > MAX_CHUNK_BYTES) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(e);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

async function inParallel<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(WRITE_CONCURRENCY, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

/** Creates every projection's bucket that is missing (`spear streams apply`). */
export async function ensureReadModels(js: JetStreamClient, projections: readonly AnyProjection[], replicas: number): Promise<void> {
  for (const p of projections) await openReadModel(js, p, replicas);
}
