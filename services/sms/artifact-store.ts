import type { JetStreamClient } from "@nats-io/jetstream";
import { Objm, type ObjectStore } from "@nats-io/obj";
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { ARTIFACT_BUCKET } from "../../domain/api/artifacts.js";
import { tooLarge } from "../../domain/artifact/decider.js";
import { SpearError } from "../../domain/errors.js";

/** The object store bucket for artifact bytes (`spear streams apply` creates it). */
export const openArtifactStore = (js: JetStreamClient): Promise<ObjectStore> => new Objm(js).open(ARTIFACT_BUCKET);

/**
 * Checks bytes a client put under their sha256 before they are recorded: they must exist,
 * have the size the client states, fit the limit and hash to their name. Bytes that fail
 * are deleted, so a correct upload can take their place.
 */
export async function verifyStoredArtifact(os: ObjectStore, claim: { sha256: string; size: number }, maxBytes: number, log: Logger): Promise<void> {
  const { sha256 } = claim;
  const info = await os.info(sha256);
  if (!info || info.deleted) {
    throw new SpearError("artifact_not_found", `no object ${sha256} in the ${ARTIFACT_BUCKET} object store; upload the bytes first`, { sha256 });
  }
  const discard = async (why: SpearError) => {
    log.warn({ sha256, code: why.code, reason: why.message }, "deleting bytes that failed verification");
    await os.delete(sha256).catch((e: unknown) => log.warn({ err: e, sha256 }, "could not delete the object"));
    return why;
  };
  if (info.size > maxBytes) throw await discard(tooLarge(info.size, maxBytes));
  if (info.size !== claim.size) {
    throw new SpearError("artifact_integrity", `object ${sha256} has ${info.size} bytes, not the ${claim.size} stated`, { sha256, size: info.size });
  }
  const result = await os.get(sha256);
  if (!result) throw new SpearError("artifact_not_found", `object ${sha256} disappeared while it was being read`, { sha256 });
  const hash = createHash("sha256");
  let read = 0;
  const reader = result.data.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    hash.update(chunk.value);
    read += chunk.value.length;
  }
  const failure = await result.error;
  if (failure) throw new SpearError("internal", `reading object ${sha256} failed: ${failure.message}`, { sha256 }, { cause: failure });
  const digest = hash.digest("hex");
  if (digest !== sha256 || read !== info.size) {
    throw await discard(new SpearError("artifact_integrity", `the bytes stored as ${sha256} hash to ${digest} (${read} bytes)`, { sha256, digest, size: read }));
  }
}
