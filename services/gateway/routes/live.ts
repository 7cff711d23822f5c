import { subjects } from "../../../domain/subjects.js";
import { HEARTBEAT_MS, MAX_BEHIND_BYTES } from "../event-streams.js";
import { followedStreams, LiveMessage } from "../live/messages.js";
import { errorResponses, type ApiRoute } from "../route.js";

const clusterEvents: ApiRoute = {
  method: "GET",
  path: "/v1/cluster/events",
  scope: "read",
  summary: "What happens in the cluster from now on, as server-sent events: control events, results, node reports and dead letters, summarised",
  calls: [`${subjects.allEvents}, ${subjects.allStatus}, ${subjects.allDlq} (one ordered consumer each), ${subjects.allResults} (the gateway's result subscription, shared with the watches)`],
  success: [200],
  register: (app, ctx) => {
    app.route({
      method: "GET",
      url: clusterEvents.path,
      config: { scope: clusterEvents.scope },
      schema: {
        operationId: "cluster_events",
        tags: ["cluster"],
        summary: clusterEvents.summary,
        description: [
          `A \`text/event-stream\` that stays open: one event per message stored from now on in ${followedStreams.join(", ")}, and one per result recorded.`,
          "The event name is the message's `kind` (`event`, `result`, `status`, `deadLetter`) and its data one JSON object (the schema below).",
          "They are summaries: no result output, event body or dead-lettered request; read those through their own routes.",
          `A comment line (\`: heartbeat\`) comes every ${HEARTBEAT_MS / 1000} s. The stream ends when the gateway closes or the client falls ${MAX_BEHIND_BYTES / 1024 / 1024} MiB behind: reconnect, then reload what you show.`,
          "Results come as they are published (core NATS, at most once), the rest from the streams. A gateway holds at most `--max-streams` event streams",
          "of every route at once (503 `too_many_streams` beyond, with `Retry-After: 1`). Browsers cannot set `Authorization` on an `EventSource`:",
          "read it with `fetch` and a reader (as the console at /console does).",
        ].join("\n"),
        response: { 200: { description: "The stream of events", content: { "text/event-stream": { schema: LiveMessage } } }, ...errorResponses },
      },
      handler: async (_request, reply) => {
        const stream = ctx.streams.start(reply);
        stream.signal.addEventListener("abort", ctx.feed.listen((m) => stream.send(m.kind, m)));
      },
    });
  },
};

export const liveRoutes: readonly ApiRoute[] = [clusterEvents];
