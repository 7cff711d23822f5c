import { evolveFunctionView, type FunctionView } from "../../domain/function/view.js";
import { subjects } from "../../domain/subjects.js";
import { streamNames } from "../../streams/catalog.js";
import { viewProjection } from "./view-projection.js";

/** Every function by name with all its versions (deleted ones stay, marked so). */
export const functionCatalog = viewProjection<FunctionView>({
  name: "function-catalog",
  description: "functions by name: versions, specs, active version",
  stream: streamNames.events,
  subject: subjects.eventsOf("function"),
  evolve: evolveFunctionView,
});
