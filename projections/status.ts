import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { isNotFound } from "../streams/nats-errors.js";
import type { AnyProjection } from "./projection.js";
import { consumerName, META, openExistingReadModel, readCheckpoint, readJson } from "./read-model.js";

export interface ProjectionStatus {
  readonly name: string;
  readonly stream: string;
  readonly subject: string;
  /** Stream sequence of the last event committed to the read model (0 = none). */
  readonly checkpoint: number;
  /** Events matching the projection that the worker has not committed yet; null when unknown. */
  readonly lag: number | null;
  readonly owner: string | null;
  readonly ownerRenewedMsAgo: number | null;
}

export async function projectionStatus(js: JetStreamClient, jsm: JetStreamManager, p: AnyProjection): Promise<ProjectionStatus> {
  const base = { name: p.name, stream: p.stream, subject: p.subject };
  const kv = await openExistingReadModel(js, jsm, p);
  if (!kv) return { ...base, checkpoint: 0, lag: null, owner: null, ownerRenewedMsAgo: null };
  const checkpoint = await readCheckpoint(kv);
  const owner = await readJson<{ owner: string; at: number }>(kv, META.owner);
  const lag = await consumerLag(jsm, p);
  return {
    ...base,
    checkpoint,
    lag,
    owner: owner?.value.owner ?? null,
    ownerRenewedMsAgo: owner ? Date.now() - owner.value.at : null,
  };
}

/** Events matching the projection that its worker's consumer has not had acknowledged (pending plus unacknowledged); null without a consumer. */
export async function consumerLag(jsm: JetStreamManager, p: AnyProjection): Promise<number | null> {
  try {
    const ci = await jsm.consumers.info(p.stream, consumerName(p));
    return ci.num_pending + ci.num_ack_pending;
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
}
