import { z } from "zod";
import { endpoint } from "./endpoint.js";

/** Where a projection's worker is: what `spear projections status` prints. */
export const ProjectionProgress = z.object({
  name: z.string(),
  description: z.string(),
  stream: z.string(),
  subject: z.string(),
  /** Stream sequence of the last event committed to the read model (0 = none). */
  checkpoint: z.number().int().nonnegative(),
  /** Events matching the projection that its worker has not committed yet; null while no worker ever ran it. */
  lag: z.number().int().nonnegative().nullable(),
  /** The worker holding the projection's lock, null when none ever did. */
  owner: z.string().nullable(),
  ownerRenewedMsAgo: z.number().int().nullable(),
});
export type ProjectionProgress = z.infer<typeof ProjectionProgress>;

export const projectionsApi = {
  status: endpoint("projections", "status", {
    kind: "query",
    description: "Every projection's checkpoint, lag (events its worker has not folded yet) and owning worker.",
    request: z.object({}),
    result: z.object({ projections: z.array(ProjectionProgress) }),
  }),
};
