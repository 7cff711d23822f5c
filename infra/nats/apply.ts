import { projectionRegistry } from "../../projections/registry.js";
import { ensureReadModels } from "../../projections/read-model.js";
import { createSnapshotBucket } from "../../projections/snapshots.js";
import type { StreamSettings } from "../../streams/catalog.js";
import type { Nats } from "../../streams/connection.js";
import { ensureStreams, type EnsureOutcome } from "../../streams/ensure.js";

/**
 * The admin step (`spear streams apply`, run by `spear dev` and by operators): every stream, the
 * artifact and payload buckets, the read models' buckets and the snapshot bucket, created or brought to `settings`.
 * Services never do this; their identities may not.
 */
export async function applyStreams(nats: Nats, settings: StreamSettings): Promise<EnsureOutcome[]> {
  const outcomes = await ensureStreams(nats.jsm, settings);
  await ensureReadModels(nats.js, projectionRegistry, settings.replicas);
  await createSnapshotBucket(nats.js, settings.replicas);
  return outcomes;
}
