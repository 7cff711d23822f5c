import { SpearError } from "../../domain/errors.js";
import { jsonDepth, MAX_JSON_DEPTH } from "../../domain/json-limits.js";
import type { GatewayApp } from "./route.js";

/** The deepest a JSON body may nest: an input of MAX_JSON_DEPTH levels inside the body's object. */
export const MAX_BODY_DEPTH = MAX_JSON_DEPTH + 1;

/**
 * JSON bodies are measured (one pass over the text, no recursion) before they are parsed: a
 * body nested deeper than MAX_BODY_DEPTH is 400 `invalid_argument` and nothing else runs, since
 * validating, re-encoding and passing on deep JSON runs out of stack further on. Parsing is
 * then Fastify's own (with its prototype-poisoning checks).
 */
export function parseJsonBodies(app: GatewayApp): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (jsonDepth(body as string) > MAX_BODY_DEPTH) {
      done(new SpearError("invalid_argument", `the body is nested deeper than ${MAX_BODY_DEPTH} levels (an input at most ${MAX_JSON_DEPTH})`, { maxDepth: MAX_BODY_DEPTH }), undefined);
      return;
    }
    parse(request, body as string, done);
  });
}
