import { createHash, randomBytes, type Hash } from "node:crypto";
import { chmod, open, rename, rm, writeFile } from "node:fs/promises";
import { SpearError } from "../../../domain/errors.js";
import type { ArtifactRef } from "../../../domain/events/function.js";

/** Counts and hashes an artifact's chunks as they come, refusing one byte too many at once. */
class ArtifactCheck {
  readonly #ref: ArtifactRef;
  readonly #hash: Hash = createHash("sha256");
  size = 0;

  constructor(ref: ArtifactRef) {
    this.#ref = ref;
  }

  add(chunk: Uint8Array): void {
    this.size += chunk.length;
    if (this.size > this.#ref.size) {
      throw new SpearError("artifact_integrity", `artifact ${this.#ref.sha256} is larger than its declared ${this.#ref.size} bytes`, { sha256: this.#ref.sha256 });
    }
    this.#hash.update(chunk);
  }

  /** Throws unless every byte came and the sha256 matches. */
  end(): void {
    const digest = this.#hash.digest("hex");
    if (this.size !== this.#ref.size || digest !== this.#ref.sha256) {
      throw new SpearError(
        "artifact_integrity",
        `artifact ${this.#ref.sha256} does not match: got ${this.size} bytes with sha256 ${digest}, expected ${this.#ref.size} bytes`,
        { sha256: this.#ref.sha256, actualSha256: digest, actualSize: this.size },
      );
    }
  }
}

const tempBeside = (dest: string) => `${dest}.${randomBytes(6).toString("hex")}.part`;

/** Read-only and executable by the owner, renamed into place: `dest` is never a partial file. */
async function putInPlace(temp: string, dest: string): Promise<void> {
  await chmod(temp, 0o500);
  await rename(temp, dest);
}

/**
 * Writes an artifact's chunks to `dest` only if they are exactly `ref.size` bytes with sha256
 * `ref.sha256`: they go to a temporary file beside it first (stopping as soon as there are too
 * many), and are renamed into place, read-only and executable by the owner, once they match.
 * Memory stays at a chunk, whatever the artifact's size.
 */
export async function downloadVerified(chunks: AsyncIterable<Uint8Array>, ref: ArtifactRef, dest: string): Promise<void> {
  const temp = tempBeside(dest);
  const check = new ArtifactCheck(ref);
  const file = await open(temp, "wx", 0o600);
  try {
    for await (const chunk of chunks) {
      check.add(chunk);
      await file.write(chunk);
    }
    await file.close();
    check.end();
    await putInPlace(temp, dest);
  } catch (e) {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw e;
  }
}

/**
 * An artifact's chunks in one buffer, only if they are exactly `ref.size` bytes with sha256
 * `ref.sha256` (checked as they come). For artifacts that are compiled from memory anyway: no
 * disk round trip before they can be used.
 */
export async function readVerified(chunks: AsyncIterable<Uint8Array>, ref: ArtifactRef): Promise<Uint8Array<ArrayBuffer>> {
  const check = new ArtifactCheck(ref);
  const bytes = new Uint8Array(ref.size);
  for await (const chunk of chunks) {
    const at = check.size;
    check.add(chunk);
    bytes.set(chunk, at);
  }
  check.end();
  return bytes;
}

/** Writes verified bytes to `dest` as `downloadVerified` would: through a temporary file, read-only once in place. */
export async function writeVerified(bytes: Uint8Array, dest: string): Promise<void> {
  const temp = tempBeside(dest);
  try {
    await writeFile(temp, bytes, { flag: "wx", mode: 0o600 });
    await putInPlace(temp, dest);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}
