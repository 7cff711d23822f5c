import { subjects } from "../../../domain/subjects.js";
import { followedStreams, LiveMessage } from "../live/messages.js";
import { errorResponses, type ApiRoute } from "../route.js";

const clusterEvents: ApiRoute = {
  method: "GET",
  path: "/v1/cluster/events",
  scope: "read",
  summary: "What happens in the cluster from now on, as server-sent events: control events, results, node reports and dead letters, summarised",
  calls: [`${subjects.allEvents}, ${subjects.allResults}, ${subjects.allStatus}, ${subjects.allDlq} (one ordered consumer each, shared by every stream the gateway serves)`],
  success: [200],
  register: (app, { live }) => {
    app.route({
      method: "GET",
      url: clusterEvents.path,
      config: { scope: clusterEvents.scope },
      schema: {
        operationId: "cluster_events",
        tags: ["cluster"],
        summary: clusterEvents.summary,
        description: [
          `A \`text/event-stream\` that stays open: one event per message stored from now on in ${followedStreams.join(", ")}.`,
          "The event name is the message's `kind` (`event`, `result`, `status`, `deadLetter`) and its data one JSON object (the schema below).",
          "They are summaries: no result output, event body or dead-lettered request; read those through their own routes.",
          "A comment line (`: ping`) comes every 15 s. The stream ends when the gateway closes or the client falls 1 MiB behind: reconnect, then reload what you show.",
          "A gateway holds at most `--max-streams` at once (503 `too_many_streams` beyond). Browsers cannot set `Authorization` on an `EventSource`:",
          "read it with `fetch` and a reader (as the console at /console does).",
        ].join("\n"),
        response: { 200: { description: "The stream of events", content: { "text/event-stream": { schema: LiveMessage } } }, ...errorResponses },
      },
      handler: async (request, reply) => {
        live.serve(request, reply);
        return reply;
      },
    });
  },
};

export const liveRoutes: readonly ApiRoute[] = [clusterEvents];
