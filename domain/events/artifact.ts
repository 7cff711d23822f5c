import { z } from "zod";
import { Sha256 } from "../ids.js";

/** The aggregate id is the sha256; bytes live in the object store under that name. */
export const ArtifactUploaded = z.object({
  sha256: Sha256,
  size: z.number().int().nonnegative(),
  name: z.string().max(256).optional(),
  contentType: z.string().max(128).optional(),
});
