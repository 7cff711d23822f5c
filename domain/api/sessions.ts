import { z } from "zod";
import { SessionId } from "../ids.js";
import { BindSession, EndSession } from "../session/commands.js";
import { SessionView } from "../session/view.js";
import { endpoint } from "./endpoint.js";
import { page, PageRequest, ReadAfter, Seq } from "./envelope.js";

const SessionChanged = z.object({ session: SessionView, seq: Seq });

export const sessionsApi = {
  bind: endpoint("sessions", "bind", {
    kind: "command",
    description:
      "Bind a session to its preferred pool (and language pair) once; binding again with the same pool changes nothing, with a new language pair rebinds, with another pool for the same pair is refused.",
    request: BindSession,
    result: SessionChanged,
    errors: ["pool_not_found", "session_already_bound"],
  }),
  end: endpoint("sessions", "end", {
    kind: "command",
    description: "End a session: its affinity is forgotten (a later bind starts afresh).",
    request: EndSession,
    result: SessionChanged,
    errors: ["session_not_found", "session_ended"],
  }),
  get: endpoint("sessions", "get", {
    kind: "query",
    description: "One session: preferred pool, bound language pair, whether it ended.",
    request: ReadAfter.extend({ sessionId: SessionId }),
    result: SessionView,
    errors: ["session_not_found"],
  }),
  list: endpoint("sessions", "list", {
    kind: "query",
    description: "Sessions by id, a page at a time; ended ones only when asked.",
    request: PageRequest.extend({ includeEnded: z.boolean().default(false) }),
    result: page(SessionView),
  }),
};
