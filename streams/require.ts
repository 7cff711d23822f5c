import type { JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { ARTIFACT_BUCKET } from "../domain/api/artifacts.js";
import { SpearError } from "../domain/errors.js";
import { PAYLOAD_BUCKET } from "../domain/payloads.js";
import { streamNames } from "./catalog.js";
import { isNotFound } from "./nats-errors.js";

/** Every stream (and object store bucket's stream) the services work on. */
export const requiredStreams: readonly string[] = [...Object.values(streamNames), `OBJ_${PAYLOAD_BUCKET}`, `OBJ_${ARTIFACT_BUCKET}`];

/**
 * Waits until every stream a service needs exists. The services never create streams (their
 * identities may not): `spear streams apply`, run by an admin (and by `spear dev`), does. One
 * warning names what is missing; rejects with `cancelled` when `signal` fires first.
 */
export async function awaitStreams(jsm: JetStreamManager, o: { readonly log: Logger; readonly signal?: AbortSignal }): Promise<void> {
  let warned = false;
  for (let wait = 250; ; wait = Math.min(wait * 2, 2_000)) {
    const missing: string[] = [];
    for (const name of requiredStreams) {
      try {
        await jsm.streams.info(name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
        missing.push(name);
      }
    }
    if (missing.length === 0) {
      if (warned) o.log.info("the streams are in place");
      return;
    }
    if (!warned) o.log.warn({ missing }, "waiting for streams that do not exist yet; run `spear streams apply` as an admin");
    warned = true;
    if (o.signal?.aborted) throw new SpearError("cancelled", `stopped while waiting for the streams ${missing.join(", ")}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      o.signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}
