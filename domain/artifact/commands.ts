import { z } from "zod";
import { Sha256 } from "../ids.js";

/** 64 MiB: the default limit on one artifact's size (configurable on `spear sms`). */
export const DEFAULT_MAX_ARTIFACT_BYTES = 64 * 1024 * 1024;

/** What a client says about bytes it put in the object store under their sha256. */
export const ArtifactFacts = z.object({
  sha256: Sha256,
  size: z.number().int().nonnegative(),
  name: z.string().max(256).optional(),
  contentType: z.string().max(128).optional(),
});

/**
 * Records bytes that the SMS found in the object store under their sha256 (it checks the
 * digest and size before deciding); `maxBytes` is the limit in force.
 */
export type RegisterArtifactCommand = { readonly type: "RegisterArtifact"; readonly maxBytes: number } & z.output<typeof ArtifactFacts>;
export type ArtifactCommand = RegisterArtifactCommand;
