import type { ArtifactRef } from "../../../domain/events/function.js";

/**
 * Where the binary cache gets an artifact's bytes: a stream of chunks, read once. The cache
 * checks the size and sha256 itself, so a fetcher only needs to find the bytes.
 * Fails with SpearError `artifact_not_found` when there is no such artifact.
 */
export type ArtifactFetcher = (ref: ArtifactRef) => Promise<AsyncIterable<Uint8Array>>;
