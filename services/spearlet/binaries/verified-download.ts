import { createHash, randomBytes } from "node:crypto";
import { chmod, open, rename, rm } from "node:fs/promises";
import { SpearError } from "../../../domain/errors.js";
import type { ArtifactRef } from "../../../domain/events/function.js";

/**
 * Writes an artifact's chunks to `dest` only if they are exactly `ref.size` bytes with sha256
 * `ref.sha256`: they go to a temporary file beside it first (stopping as soon as there are too
 * many), and are renamed into place, read-only and executable by the owner, once they match.
 */
export async function downloadVerified(chunks: AsyncIterable<Uint8Array>, ref: ArtifactRef, dest: string): Promise<void> {
  const temp = `${dest}.${randomBytes(6).toString("hex")}.part`;
  const hash = createHash("sha256");
  let size = 0;
  const file = await open(temp, "wx", 0o600);
  try {
    for await (const chunk of chunks) {
      size += chunk.length;
      if (size > ref.size) {
        throw new SpearError("artifact_integrity", `artifact ${ref.sha256} is larger than its declared ${ref.size} bytes`, { sha256: ref.sha256 });
      }
      hash.update(chunk);
      await file.write(chunk);
    }
    await file.close();
    const digest = hash.digest("hex");
    if (size !== ref.size || digest !== ref.sha256) {
      throw new SpearError(
        "artifact_integrity",
        `artifact ${ref.sha256} does not match: got ${size} bytes with sha256 ${digest}, expected ${ref.size} bytes`,
        { sha256: ref.sha256, actualSha256: digest, actualSize: size },
      );
    }
    await chmod(temp, 0o500);
    await rename(temp, dest);
  } catch (e) {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw e;
  }
}
