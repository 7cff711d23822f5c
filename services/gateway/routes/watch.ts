import { z } from "zod";
import type { InvocationFinished } from "../../../domain/events/invocation.js";
import { FunctionName, InvocationId } from "../../../domain/ids.js";
import { subjects } from "../../../domain/subjects.js";
import { Payloads } from "../../../streams/invocations/payloads.js";
import { HEARTBEAT_MS } from "../event-streams.js";
import { errorResponses, fastifyPath, type ApiRoute } from "../route.js";

const MAX_WATCH_MS = 15 * 60_000;

const eventStream = (description: string) => ({ description, content: { "text/event-stream": { schema: z.string() } } });

const streamNotes = [
  `An event stream (\`text/event-stream\`): a comment line \`: heartbeat\` every ${HEARTBEAT_MS / 1000} s; it ends when the client disconnects or the gateway closes.`,
  "Each `result` event's `data` is an `InvocationFinished` as `GET /v1/invocations/{id}` answers it (an output held by reference filled in); its `id` is the invocation id.",
  "The gateway serves at most `--max-streams` streams at once; beyond, 503 `too_many_streams` with `Retry-After: 1`, before the stream starts.",
];

/**
 * Sends each result as clients read it (an output held by reference filled in), or as it came
 * when the output cannot be read.
 */
const sendReadable = (payloads: Payloads, send: (r: InvocationFinished) => void) => (r: InvocationFinished) =>
  void payloads.resolveOutput(r).then(send, () => send(r));

const watchInvocation: ApiRoute = {
  method: "GET",
  path: "/v1/invocations/{invocationId}/watch",
  scope: "invoke",
  summary: "An event stream that sends the invocation's final result (event `result`) when it is recorded, at once if it is, then ends",
  calls: [subjects.result("<invocationId>")],
  success: [200],
  register: (app, ctx) => {
    const payloads = new Payloads(ctx.nats.js);
    app.route({
      method: "GET",
      url: fastifyPath(watchInvocation.path),
      config: { scope: watchInvocation.scope },
      schema: {
        operationId: "invocations_watch",
        tags: ["invocations"],
        summary: watchInvocation.summary,
        description: [
          ...streamNotes,
          "When `waitMs` (default and at most 15 min) passes first, an event `timeout` (`{ code, message, details: { invocationId } }`) ends the stream: the invocation goes on.",
        ].join("\n"),
        params: z.object({ invocationId: InvocationId }),
        querystring: z.object({ waitMs: z.coerce.number().int().min(1).max(MAX_WATCH_MS).default(MAX_WATCH_MS).describe("How long to wait for the result (ms)") }),
        response: { 200: eventStream("The result when it lands, as one `result` event"), ...errorResponses },
      },
      handler: async (request, reply) => {
        const { invocationId } = request.params;
        const stream = ctx.streams.start(reply);
        // A closed stream sends nothing more: the stored result and the live one make one event.
        const finish = (r: InvocationFinished) => {
          stream.send("result", r, r.invocationId);
          stream.close();
        };
        // Listening first, then reading what is stored: a result recorded in between is not missed.
        const stop = ctx.results.listen({ invocationId }, sendReadable(payloads, finish));
        const timer = setTimeout(() => {
          stream.send("timeout", { code: "timeout", message: `invocation ${invocationId} has no result after ${request.query.waitMs} ms; it goes on`, details: { invocationId } });
          stream.close();
        }, request.query.waitMs);
        stream.signal.addEventListener("abort", () => {
          stop();
          clearTimeout(timer);
        });
        try {
          const stored = await ctx.client.result(invocationId);
          if (stored) finish(stored);
        } catch (e) {
          request.log.warn({ err: e, invocationId }, "could not read a stored result for a watch; waiting for it to land");
        }
      },
    });
  },
};

const watchFunction: ApiRoute = {
  method: "GET",
  path: "/v1/functions/{name}/results:watch",
  scope: "admin",
  summary: "An event stream of the function's results as they are recorded (event `result` each), until the client disconnects",
  calls: [subjects.result("*")],
  success: [200],
  register: (app, ctx) => {
    const payloads = new Payloads(ctx.nats.js);
    app.route({
      method: "GET",
      url: fastifyPath(watchFunction.path),
      config: { scope: watchFunction.scope },
      schema: {
        operationId: "functions_results_watch",
        tags: ["functions"],
        summary: watchFunction.summary,
        description: [
          ...streamNotes,
          "Results recorded from the moment the stream opens; earlier ones are in `GET /v1/invocations?function=<name>`. Delivery is at most once",
          "(core NATS): a result recorded while the gateway was cut off from NATS is not sent, and the list has it.",
        ].join("\n"),
        params: z.object({ name: FunctionName }),
        response: { 200: eventStream("Each new result of the function as a `result` event"), ...errorResponses },
      },
      handler: async (request, reply) => {
        const stream = ctx.streams.start(reply);
        const stop = ctx.results.listen({ function: request.params.name }, sendReadable(payloads, (r) => stream.send("result", r, r.invocationId)));
        stream.signal.addEventListener("abort", stop);
      },
    });
  },
};

export const watchRoutes: readonly ApiRoute[] = [watchInvocation, watchFunction];
