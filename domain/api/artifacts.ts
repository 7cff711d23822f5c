import { z } from "zod";
import { ArtifactFacts } from "../artifact/commands.js";
import { ArtifactView } from "../artifact/view.js";
import { Sha256 } from "../ids.js";
import { endpoint } from "./endpoint.js";
import { page, PageRequest, ReadAfter, Seq } from "./envelope.js";

/** Where artifact bytes go: the JetStream object store bucket, one object per sha256. */
export const ARTIFACT_BUCKET = "spear_artifacts";

export const artifactsApi = {
  prepare: endpoint("artifacts", "prepare", {
    kind: "query",
    description:
      "Before an upload: whether the artifact is registered already (then skip the upload) and the size limit, refused at once when the size is over it. Bytes go to the object store bucket named in the reply under their sha256, never in a request body.",
    request: z.object({ sha256: Sha256, size: z.number().int().nonnegative() }),
    result: z.object({ registered: z.boolean(), bucket: z.string(), maxBytes: z.number().int().positive() }),
    errors: ["payload_too_large"],
  }),
  register: endpoint("artifacts", "register", {
    kind: "command",
    description:
      "Record an artifact uploaded to the object store under its sha256: the SMS reads the bytes back, checks their size and digest, and records ArtifactUploaded once per sha256.",
    request: ArtifactFacts,
    result: z.object({ artifact: ArtifactView, created: z.boolean(), seq: Seq }),
    errors: ["artifact_not_found", "artifact_integrity", "payload_too_large"],
    timeoutMs: 120_000,
  }),
  get: endpoint("artifacts", "get", {
    kind: "query",
    description: "One registered artifact.",
    request: ReadAfter.extend({ sha256: Sha256 }),
    result: ArtifactView,
    errors: ["artifact_not_found"],
  }),
  list: endpoint("artifacts", "list", {
    kind: "query",
    description: "Registered artifacts by sha256, a page at a time.",
    request: PageRequest,
    result: page(ArtifactView),
  }),
};
