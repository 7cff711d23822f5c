import type { JetStreamManager, StreamConfig } from "@nats-io/jetstream";
import { isNotFound } from "./nats-errors.js";
import { streamCatalog, type StreamSettings } from "./catalog.js";
import { Objm } from "@nats-io/obj";
import { ARTIFACT_BUCKET } from "../domain/api/artifacts.js";
import { ensurePayloadBucket } from "./invocations/payloads.js";

export type EnsureOutcome = { name: string; action: "created" | "updated" | "unchanged" };

/** Fields we own; a difference in any of them is written back with an update. */
const managed = ["subjects", "max_age", "duplicate_window", "num_replicas", "allow_direct", "discard"] as const;

/**
 * Creates or updates every stream in the catalog, and the artifact and payload buckets: the
 * admin step (`spear streams apply`), never run by the services, whose identities may not.
 */
export async function ensureStreams(jsm: JetStreamManager, settings: StreamSettings): Promise<EnsureOutcome[]> {
  const outcomes: EnsureOutcome[] = [];
  for (const def of streamCatalog(settings)) {
    const wanted = def.config;
    let current: StreamConfig | undefined;
    try {
      current = (await jsm.streams.info(wanted.name)).config;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (!current) {
      await jsm.streams.add(wanted);
      outcomes.push({ name: wanted.name, action: "created" });
      continue;
    }
    const differs = managed.some((k) => JSON.stringify(current[k]) !== JSON.stringify(wanted[k]));
    if (differs) {
      await jsm.streams.update(wanted.name, { ...current, ...wanted });
      outcomes.push({ name: wanted.name, action: "updated" });
    } else {
      outcomes.push({ name: wanted.name, action: "unchanged" });
    }
  }
  await ensurePayloadBucket(jsm.jetstream(), { replicas: settings.replicas, ttlMs: settings.resultMaxAgeMs });
  await new Objm(jsm.jetstream()).create(ARTIFACT_BUCKET, { replicas: settings.replicas, description: "Spear artifacts, one object per sha256" });
  return outcomes;
}
