import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { SpearError } from "../domain/errors.js";
import { encodeJson } from "../streams/json.js";
import { isNotFound } from "../streams/nats-errors.js";
import type { Projection } from "./projection.js";
import { consumerName, createReadModel, META, openReadModel, readJson } from "./read-model.js";
import { ProjectionWorker, type WorkerProgress } from "./worker.js";

export interface RebuildOptions {
  /** Start from this stream sequence instead of the beginning (earlier events are ignored). */
  readonly fromSeq?: number;
  readonly replicas?: number;
  readonly lockTtlMs?: number;
}

/**
 * Throws the read model away and folds the stream again from the start (or `fromSeq`) until
 * it is caught up. Refuses while a worker holds the projection.
 */
export async function rebuildProjection<D>(
  js: JetStreamClient,
  jsm: JetStreamManager,
  projection: Projection<D>,
  log: Logger,
  opts: RebuildOptions = {},
): Promise<WorkerProgress> {
  const replicas = opts.replicas ?? 1;
  const lockTtlMs = opts.lockTtlMs ?? 15_000;
  let kv = await openReadModel(js, projection, replicas);
  const owner = await readJson<{ owner: string; at: number }>(kv, META.owner);
  if (owner && Date.now() - owner.value.at <= lockTtlMs) {
    throw new SpearError("projection_locked", `${projection.name} is being run by worker ${owner.value.owner}; stop it before rebuilding`, {
      owner: owner.value.owner,
    });
  }
  await kv.destroy();
  try {
    await jsm.consumers.delete(projection.stream, consumerName(projection));
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  kv = await createReadModel(js, projection, replicas);
  if (opts.fromSeq && opts.fromSeq > 1) {
    await kv.put(META.checkpoint, encodeJson({ seq: opts.fromSeq - 1, at: new Date().toISOString() }));
  }
  const worker = new ProjectionWorker(js, jsm, projection, log, { replicas, lockTtlMs, untilCaughtUp: true,
    maxBatch: 5_000,
    // A fold from a later sequence is not the whole state: its snapshot would mislead every service.
    ...(opts.fromSeq && opts.fromSeq > 1 ? { snapshots: false as const } : {}),
  });
  return worker.run();
}
