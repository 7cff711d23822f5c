import { evolveArtifactView, type ArtifactView } from "../../domain/artifact/view.js";
import { subjects } from "../../domain/subjects.js";
import { streamNames } from "../../streams/catalog.js";
import { viewProjection } from "./view-projection.js";

/** Registered artifacts by sha256 (their bytes are in the object store under the same name). */
export const artifactCatalog = viewProjection<ArtifactView>({
  name: "artifact-catalog",
  description: "artifacts by sha256: size, name, upload time",
  stream: streamNames.events,
  subject: subjects.eventsOf("artifact"),
  evolve: evolveArtifactView,
});
