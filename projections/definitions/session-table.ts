import { evolveSessionView, type SessionView } from "../../domain/session/view.js";
import { subjects } from "../../domain/subjects.js";
import { streamNames } from "../../streams/catalog.js";
import { viewProjection } from "./view-projection.js";

/** Every session by id: preferred pool, bound language pair; ended ones for a day after they end. */
export const sessionTable = viewProjection<SessionView>({
  name: "session-table",
  description: "sessions by id: preferred pool, bound language pair",
  stream: streamNames.events,
  subject: subjects.eventsOf("session"),
  evolve: evolveSessionView,
  retire: { endedAt: (s) => s.endedAt, keepMs: 24 * 3_600_000 },
});
