import { z } from "zod";
import type { RecordedEvent } from "../events/envelope.js";
import { Instant, Sha256 } from "../ids.js";

export const ArtifactView = z.object({
  sha256: Sha256,
  size: z.number().int().nonnegative(),
  name: z.string().optional(),
  contentType: z.string().optional(),
  uploadedAt: Instant,
});
export type ArtifactView = z.infer<typeof ArtifactView>;

export function evolveArtifactView(view: ArtifactView | undefined, event: RecordedEvent): ArtifactView | undefined {
  if (event.type !== "ArtifactUploaded" || view) return view;
  return { ...event.data, uploadedAt: event.meta.occurredAt };
}
