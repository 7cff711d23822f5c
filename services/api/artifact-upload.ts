import type { JetStreamClient } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import type { NatsConnection } from "@nats-io/transport-node";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { api } from "../../domain/api/registry.js";
import type { ArtifactView } from "../../domain/artifact/view.js";
import { SpearError } from "../../domain/errors.js";
import { smsRequest } from "./client.js";

export interface UploadResult {
  readonly artifact: ArtifactView;
  /** Whether bytes were sent (false when the object store had them already). */
  readonly uploaded: boolean;
  /** Whether this call recorded the artifact (false when it was registered before). */
  readonly created: boolean;
}

async function digestOf(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), size };
}

/**
 * Puts a file into the artifact store the content-addressed way: hash it, ask the SMS
 * whether it is registered and within the size limit (refused before any byte is sent),
 * upload it under its sha256 only when the object is missing, and register it.
 */
export async function uploadArtifact(
  nc: NatsConnection,
  js: JetStreamClient,
  file: string,
  opts: { name?: string; contentType?: string } = {},
): Promise<UploadResult> {
  const info = await stat(file).catch((e: unknown) => {
    throw new SpearError("invalid_argument", `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, { file });
  });
  if (!info.isFile()) throw new SpearError("invalid_argument", `${file} is not a file`, { file });
  const { sha256, size } = await digestOf(file);
  const prepared = await smsRequest(nc, api.artifacts.prepare, { sha256, size });
  let uploaded = false;
  if (!prepared.registered) {
    const os = await new Objm(js).open(prepared.bucket);
    const existing = await os.info(sha256);
    if (!existing || existing.deleted || existing.size !== size) {
      await os.put({ name: sha256, description: basename(file) }, Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>);
      uploaded = true;
    }
  }
  const registered = await smsRequest(nc, api.artifacts.register, {
    sha256,
    size,
    name: opts.name ?? basename(file),
    ...(opts.contentType ? { contentType: opts.contentType } : {}),
  });
  return { artifact: registered.artifact, uploaded, created: registered.created };
}
