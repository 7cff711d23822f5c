import { randomUUID } from "node:crypto";
import { z } from "zod";
import { atFunction, type InvokeEndpoint } from "../../../domain/api/invoke.js";
import { isSpearError, SpearError } from "../../../domain/errors.js";
import { inputProblem } from "../../../domain/events/invocation.js";
import { FunctionName } from "../../../domain/ids.js";
import { lastToken } from "../../../domain/subjects.js";
import type { Nats } from "../../../streams/connection.js";
import { invokeAndWait } from "../../../streams/invocations/invoke-and-wait.js";
import { Payloads } from "../../../streams/invocations/payloads.js";
import type { Handler, Route } from "../../api/router.js";

/**
 * `spear.api.invoke.<function>` for clients that know only core NATS: submit to the durable
 * request stream, wait for the final result, answer with it. `stopping` ends the waits of a
 * replica that shuts down, each answered with the invocation id to ask for later. The caller's
 * `traceparent` goes on with the request, so the invocation joins its trace.
 */
export function invokeRoute(nats: Nats, stopping: AbortSignal): Route {
  const payloads = new Payloads(nats.js);
  const handle: Handler<InvokeEndpoint> = async (req, ctx) => {
    const fn = lastToken(ctx.subject);
    const name = FunctionName.safeParse(fn);
    if (!name.success) throw new SpearError("invalid_argument", `'${fn}' is not a function name: ${z.prettifyError(name.error)}`, { function: fn });
    const misplaced = inputProblem(req);
    if (misplaced) throw new SpearError("invalid_argument", misplaced);
    const { invocationId = randomUUID(), waitMs, ...request } = req;
    try {
      const body = await payloads.externalizeInput(invocationId, request);
      return await invokeAndWait(nats, fn, body, { invocationId, waitMs, signal: stopping, correlationId: ctx.correlationId, trace: ctx.trace });
    } catch (e) {
      if (!isSpearError(e, "cancelled")) throw e;
      throw new SpearError(
        "service_unavailable",
        `the control-plane replica stopped while waiting for invocation ${invocationId}; it goes on: send the same request with this invocationId, or read its result later`,
        { invocationId },
      );
    }
  };
  return { endpoint: atFunction("*"), handle: handle as Route["handle"] };
}
