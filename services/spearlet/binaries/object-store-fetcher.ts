import type { JetStreamClient } from "@nats-io/jetstream";
import { Objm, type ObjectStore } from "@nats-io/obj";
import { SpearError } from "../../../domain/errors.js";
import type { ArtifactRef } from "../../../domain/events/function.js";
import type { ArtifactFetcher } from "./artifact-fetcher.js";

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Reads artifacts from a JetStream object store bucket, where they are stored under their
 * sha256 (content-addressed). The bucket is opened on first use, and again after a failure.
 */
export function objectStoreFetcher(js: JetStreamClient, bucket: string): ArtifactFetcher {
  let store: Promise<ObjectStore> | null = null;
  const open = () => {
    store ??= new Objm(js).open(bucket).catch((e: unknown) => {
      store = null;
      throw new SpearError("artifact_not_found", `object store bucket "${bucket}" cannot be opened: ${reason(e)}`, { bucket }, { cause: e });
    });
    return store;
  };
  return async (ref: ArtifactRef) => {
    const os = await open();
    const result = await os.get(ref.sha256);
    if (!result) throw new SpearError("artifact_not_found", `no artifact ${ref.sha256} in object store bucket "${bucket}"`, { bucket, sha256: ref.sha256 });
    // Settles with the reader's failure (the store checks its own digest); never left unhandled.
    const failed = result.error.then(
      (e) => e,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    const broken = (e: unknown) =>
      new SpearError("artifact_integrity", `reading artifact ${ref.sha256} from bucket "${bucket}" failed: ${reason(e)}`, { bucket, sha256: ref.sha256 });
    return (async function* () {
      const reader = result.data.getReader();
      let finished = false;
      try {
        for (;;) {
          const chunk = await reader.read().catch((e: unknown) => {
            throw broken(e);
          });
          if (chunk.done) break;
          yield chunk.value;
        }
        finished = true;
      } finally {
        // A reader that stopped early (too many bytes) cancels the store's consumer.
        if (!finished) await reader.cancel().catch(() => undefined);
      }
      const error = await failed;
      if (error) throw broken(error);
    })();
  };
}
