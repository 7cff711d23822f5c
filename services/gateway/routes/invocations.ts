import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DEFAULT_INVOKE_WAIT_MS, SyncInvokeRequest } from "../../../domain/api/invoke.js";
import { SpearError } from "../../../domain/errors.js";
import { InvocationFinished } from "../../../domain/events/invocation.js";
import { FunctionName, InvocationId } from "../../../domain/ids.js";
import { subjects } from "../../../domain/subjects.js";
import type { InvokeOptions } from "../../sdk/index.js";
import type { TraceHeaders } from "../../../domain/trace-context.js";
import { sendError } from "../errors.js";
import { QueryFlag } from "../query.js";
import { tagInvocation, traceOf } from "../request-span.js";
import { correlationOf, errorResponses, fastifyPath, ok, type ApiRoute } from "../route.js";

const InvokePath = z.object({ name: FunctionName });
/**
 * The sync verb's request without `inputRef`: an HTTP client has no way to store an input in
 * the payload bucket, and need not: the SDK stores a large `input` by reference itself.
 */
const InvokeBody = SyncInvokeRequest.omit({ inputRef: true });
type InvokeBody = z.output<typeof InvokeBody>;
const InvokeQuery = z.object({ async: QueryFlag.optional().describe("Answer 202 with the invocation id at once instead of waiting for the result") });
const Accepted = z.object({ invocationId: InvocationId });

const location = (invocationId: string) => `/v1/invocations/${invocationId}`;

/** The body (the sync NATS verb's request, `spear.api.invoke.<function>`) as the SDK's options: the same names. */
function sdkOptions(b: InvokeBody, invocationId: string, correlationId: string | undefined, traceContext: TraceHeaders | undefined): InvokeOptions {
  const { input: _input, ...request } = b;
  return { ...request, invocationId, ...(correlationId ? { correlationId } : {}), ...(traceContext ? { traceContext } : {}) };
}

const invoke: ApiRoute = {
  method: "POST",
  path: "/v1/functions/{name}:invoke",
  scope: "invoke",
  summary: "Invoke a function and wait for its result (or, with ?async=true, get its id at once)",
  calls: [subjects.invoke("<name>"), subjects.result("<invocationId>")],
  success: [200, 202],
  register: (app, { client, waits }) => {
    app.route({
      method: "POST",
      url: fastifyPath(invoke.path),
      config: { scope: invoke.scope },
      schema: {
        operationId: "invoke",
        tags: ["invocations"],
        summary: invoke.summary,
        description: [
          `The body is the request of the sync NATS verb \`spear.api.invoke.<function>\`. The gateway publishes it on \`${subjects.invoke("<name>")}\``,
          "(the durable request stream) through the SDK, so nothing is lost if the caller goes away.",
          "",
          `Synchronous (default): waits up to \`waitMs\` (default ${DEFAULT_INVOKE_WAIT_MS / 1000} s) for the final result. A succeeded, failed,`,
          "timed-out or dead-lettered invocation answers 200 with its result (look at `status`); a rejected one (unknown function, no capacity, ...)",
          "answers the status of its error code with `{ code, message, details: { invocationId, result } }`. When the wait ends first, 504 `timeout`",
          "with a `Location` to poll: the invocation goes on.",
          "",
          "Asynchronous (`?async=true`): 202 with `{ invocationId }` and `Location: /v1/invocations/{id}`.",
          "",
          "An input larger than a NATS message holds comfortably travels by reference (the payload bucket), up to `--body-limit`.",
          "A synchronous call while the gateway holds `--max-sync-waits` waits is refused at once, before anything is submitted:",
          "503 `too_many_waits` with `Retry-After`."
        ].join("\n"),
        params: InvokePath,
        querystring: InvokeQuery,
        body: InvokeBody,
        response: {
          200: ok("The invocation's final result", InvocationFinished),
          202: ok("Accepted: the invocation id, to ask for the result at the Location", Accepted),
          ...errorResponses,
        },
      },
      handler: async (request, reply) => {
        const { name } = request.params;
        const body = request.body;
        const invocationId = body.invocationId ?? randomUUID();
        tagInvocation(request, invocationId);
        const opts = sdkOptions(body, invocationId, correlationOf(request), traceOf(request));
        if (request.query.async) {
          await client.submit(name, body.input, opts);
          return reply.code(202).header("location", location(invocationId)).send({ invocationId });
        }
        const release = waits.take();
        // The wait ends when the caller hangs up; the invocation itself goes on.
        const hangUp = new AbortController();
        reply.raw.once("close", () => {
          if (!reply.raw.writableFinished) hangUp.abort();
        });
        let result: InvocationFinished;
        try {
          result = await client.invokeForResult(name, body.input, { ...opts, signal: hangUp.signal });
        } catch (e) {
          reply.header("location", location(invocationId));
          throw e;
        } finally {
          release();
        }
        if (result.status !== "rejected") return reply.code(200).send(result);
        reply.header("location", location(invocationId));
        return sendError(reply, {
          code: result.error?.code ?? "internal",
          message: result.error?.message ?? "the invocation was rejected",
          details: { invocationId, result },
        });
      },
    });
  },
};

const getInvocation: ApiRoute = {
  method: "GET",
  path: "/v1/invocations/{invocationId}",
  scope: "invoke",
  summary: "The final result of an invocation; 404 invocation_not_found while it runs",
  calls: [subjects.result("<invocationId>")],
  success: [200],
  register: (app, { client }) => {
    app.route({
      method: "GET",
      url: fastifyPath(getInvocation.path),
      config: { scope: getInvocation.scope },
      schema: {
        operationId: "invocations_get",
        tags: ["invocations"],
        summary: getInvocation.summary,
        description: [
          "Answers 200 with the invocation's one final result, whatever its `status`, once it is recorded.",
          "Until then, and for an id never submitted or whose result aged out (the result TTL, 24 h by default), 404 `invocation_not_found`",
          "with `Retry-After: 1`: poll again.",
        ].join("\n"),
        params: z.object({ invocationId: InvocationId }),
        response: { 200: ok("The invocation's final result", InvocationFinished), ...errorResponses },
      },
      handler: async (request, reply) => {
        const { invocationId } = request.params;
        const result = await client.result(invocationId);
        if (result) return result;
        reply.header("retry-after", "1");
        throw new SpearError("invocation_not_found", `no result for invocation ${invocationId} yet: it is still running, was never submitted, or its result aged out`, {
          invocationId,
        });
      },
    });
  },
};

export const invocationRoutes: readonly ApiRoute[] = [invoke, getInvocation];
