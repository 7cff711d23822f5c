import ms from "ms";
import { DEFAULT_INVOKE_WAIT_MS, MAX_INVOKE_WAIT_MS } from "../../domain/api/invoke.js";
import { errorCatalog, type ErrorCode } from "../../domain/errors.js";
import { H } from "../../domain/headers.js";
import { MAX_JSON_DEPTH } from "../../domain/json-limits.js";
import { DEFAULT_GATEWAY_PORT, GatewayConfig } from "../../services/gateway/config.js";
import { MAX_BODY_DEPTH } from "../../services/gateway/json-body.js";
import type { GatewayRoute } from "../../services/gateway/route.js";
import { apiRoutes, probeRoutes } from "../../services/gateway/routes/index.js";
import { Scope, scopeMeaning } from "../../services/gateway/scopes.js";

interface Section {
  readonly title: string;
  readonly render: () => readonly string[];
}

const defaults = GatewayConfig.parse({});
const mib = (bytes: number) => `${bytes / (1024 * 1024)} MiB`;
const base = `http://127.0.0.1:${DEFAULT_GATEWAY_PORT}`;

const call = (c: string) => (c.startsWith("spear.") ? `\`${c}\`` : c);
const row = (r: GatewayRoute) =>
  `| ${r.method} | \`${r.path}\` | ${r.scope ? `\`${r.scope}\`` : "none"} | ${r.summary} | ${r.calls.map(call).join(", ") || "nothing"} | ${r.success.join(", ")} |`;
const duration = (millis: number) => ms(millis, { long: true });

/** The codes the gateway answers with itself (the others come from the verbs it calls), and when. */
const gatewayCodes: readonly (readonly [ErrorCode, string])[] = [
  ["invalid_argument", "The request failed validation (naming each field), its JSON is nested too deep, its URL does not decode, or it is not HTTP."],
  ["unauthorized", "No bearer token, or one the gateway does not know (tokens configured)."],
  ["forbidden", "The token lacks the route's scope (`details.scope`), or the request came from a browser origin not allowed (`details.origin`)."],
  ["host_not_allowed", errorCatalog.host_not_allowed.text],
  ["route_not_found", errorCatalog.route_not_found.text],
  ["invocation_not_found", errorCatalog.invocation_not_found.text],
  ["payload_too_large", "A body over `--body-limit`, or an artifact over `--upload-limit`."],
  ["unsupported_media_type", errorCatalog.unsupported_media_type.text],
  ["request_timeout", errorCatalog.request_timeout.text],
  ["headers_too_large", errorCatalog.headers_too_large.text],
  ["rate_limited", "The token (or, without tokens, the client address) made more than its rate limit of requests in `--rate-window`; `Retry-After` says when to retry."],
  ["too_many_waits", errorCatalog.too_many_waits.text],
  ["service_unavailable", "The gateway is shutting down (or, from a verb, no control-plane replica answered)."],
];

/** docs/api.md's section about the HTTP gateway, rendered from its route table. */
export function gatewayDocSections(): Section[] {
  const routes: Section = {
    title: "HTTP gateway",
    render: () => [
      "`spear gateway` (see [operations.md](operations.md)) serves the same API over HTTP. Every route under `/v1` is a thin",
      "layer over a verb above or the invoke contract; the OpenAPI 3.1 document, generated from the same zod schemas, is",
      "served at `/openapi.json`, and an interactive page at `/docs` (Swagger UI, served by the gateway itself) can call",
      "every route.",
      "",
      "| method | path | scope | what it does | calls | success |",
      "|---|---|---|---|---|---|",
      ...apiRoutes.map(row),
      ...probeRoutes.map(row),
      "",
      "### Conventions",
      "",
      `- Bodies are JSON (\`content-type: application/json\`, at most \`--body-limit\`, ${mib(defaults.bodyLimit)} by default); the deploy route`,
      "  also takes `multipart/form-data`. Any other content type is refused with 415 `unsupported_media_type`, a body",
      "  over the limit with 413 `payload_too_large`; the rest of a body refused early is read and dropped so that the",
      "  client, still sending, gets the answer (up to 64 MiB, or `--upload-limit` when larger; then the connection closes).",
      `- JSON nested deeper than ${MAX_BODY_DEPTH} levels (an input of ${MAX_JSON_DEPTH} inside the body's object) is refused with 400`,
      "  `invalid_argument` before it is parsed.",
      "- Query strings carry the paging and read-after fields of the verbs (`limit`, `cursor`, `minSeq`), flags as",
      "  `true` / `false` (`includeDeleted`), lists comma-separated (`/v1/nodes?state=online,draining`).",
      "- Every error is `{ code, message, details }` with the HTTP status the error catalog gives its code (the `http`",
      "  column of the table at the end), Fastify's and Node's own refusals included (an unknown route or method, a URL",
      "  that does not decode, headers over 16 KiB, a malformed request, a timeout). A request that fails validation is",
      "  400 `invalid_argument` naming each field with where it was: `body.priority: Too big: expected number to be <=9`,",
      "  and `details.issues` holds `{ in, path, message }` for each (`in` is `body`, `path` or `query`); a path",
      "  parameter of any length is checked the same way.",
      `- A \`${H.correlationId}\` request header is passed on to what the route calls, so the events it causes carry it.`,
      `- A W3C \`${H.traceparent}\` (and \`${H.tracestate}\`) request header makes an invoke join the caller's trace: with tracing on, the`,
      "  request's span is its child and the invocation the span's; with tracing off, the header goes on to the request as it came.",
      "  A malformed one is ignored.",
      "",
      "### Who may call what",
      "",
      "Every request meets these checks in this order, each answering in the shape above before anything else runs:",
      "",
      "1. `Host` must name the gateway: the loopback names (`localhost`, `127.0.0.1`, `[::1]`), the address it listens",
      "   on (on `0.0.0.0`, every interface address and the machine's name), or a name given with `--allowed-hosts`.",
      "   Otherwise 421 `host_not_allowed`, on every route: a page that reaches the gateway through DNS rebinding sends",
      "   its own name and gets nothing.",
      "2. `Origin`, which browsers send on every cross-origin request and every POST, must be the gateway's own (its",
      "   `/docs` page) or one given with `--cors-origins`. Otherwise 403 `forbidden` (`details.reason:",
      "   \"origin_not_allowed\"`): a page on another site cannot deploy, deactivate or drain anything, not even with the",
      "   requests CORS lets through unasked (forms, `fetch` without CORS). The allowed origins get CORS answers",
      "   (preflights included); there are none by default.",
      "3. With tokens configured (`--tokens`, `--tokens-file`), every route but `/healthz`, `/readyz`, `/openapi.json`,",
      "   `/docs` and `/` needs `Authorization: Bearer <token>`, unknown routes included, so a caller without a token",
      '   learns nothing. Without one, or with a token not configured: 401 `unauthorized` with `WWW-Authenticate: Bearer',
      '   realm="spear"` (plus `error="invalid_token"` for a wrong token). A token without the route\'s scope (the',
      "   `scope` column): 403 `forbidden` with `details.scope`. Tokens are compared in constant time. The OpenAPI",
      "   document names each route's scope as its security requirement.",
      `4. On \`/v1\`, each token (each client address on a gateway without tokens) may make \`--rate-limit\` requests`,
      `   (${defaults.rateLimit} by default; a token's own \`rateLimit\` in the tokens file replaces it, 0 is none) per \`--rate-window\``,
      `   (${duration(defaults.rateWindow)}); past it, 429 \`rate_limited\` with \`Retry-After\` and \`x-ratelimit-*\` headers.`,
      "5. Then the body is read and validated.",
      "",
      "| scope | opens |",
      "|---|---|",
      ...Scope.options.map((sc) => `| \`${sc}\` | ${scopeMeaning[sc]} |`),
      "",
      "### Timeouts",
      "",
      `A request's headers must arrive within \`--headers-timeout\` (${duration(defaults.headersTimeout)}), and the whole request, body`,
      `included, within \`--request-timeout\` (${duration(defaults.requestTimeout)}); otherwise 408 \`request_timeout\` and the connection`,
      `closes, so an upload cannot be trickled forever. A connection idle for \`--connection-timeout\``,
      `(${duration(defaults.connectionTimeout)}) while the request or the answer travels, or between requests, is closed; the time the`,
      "gateway works on a request (a synchronous invoke waiting for its result) does not count.",
      "",
      "### Invoking",
      "",
      "The body of `POST /v1/functions/{name}:invoke` is the request of `spear.api.invoke.<function>` (an `InvokeRequest`,",
      `plus an optional \`invocationId\` and \`waitMs\`, ${DEFAULT_INVOKE_WAIT_MS / 1000} s by default and ${MAX_INVOKE_WAIT_MS / 60_000} min at most). The request goes to the`,
      "durable stream before anything waits, so nothing is lost when the caller hangs up.",
      "",
      "- Synchronous: a succeeded, failed, timed-out or dead-lettered invocation answers 200 with its final result",
      "  (`InvocationFinished`: look at `status`). A rejected one (unknown, deleted or inactive function, no capacity",
      "  in time, ...) answers the status of its error's code with `{ code, message, details: { invocationId, result } }`,",
      "  e.g. 404 `function_not_found`. When `waitMs` passes first: 504 `timeout` with `Location: /v1/invocations/{id}`;",
      "  the invocation goes on.",
      "- `?async=true`: 202 with `{ invocationId }` and `Location: /v1/invocations/{id}` as soon as the request is stored.",
      "- The body has no `inputRef`: an `input` too large for a NATS message goes to the payload bucket by reference on",
      "  its own, up to `--body-limit`.",
      `- A synchronous call while the gateway holds \`--max-sync-waits\` waits (${defaults.maxSyncWaits} by default) is refused at once, before`,
      "  anything is submitted, with 503 `too_many_waits` and `Retry-After: 1` (asynchronous calls are not counted).",
      "- `GET /v1/invocations/{id}`: 200 with the final result, whatever its status, once recorded; until then (and for",
      "  an id never submitted, or a result older than the result TTL) 404 `invocation_not_found` with `Retry-After: 1`.",
      "",
      "```",
      `curl -s ${base}/v1/functions/echo:invoke -H 'content-type: application/json' -d '{"input":{"hello":"world"}}'`,
      `curl -si '${base}/v1/functions/echo:invoke?async=true' -H 'content-type: application/json' -d '{"input":1}'`,
      `curl -s ${base}/v1/invocations/<invocationId>`,
      "```",
      "",
      "### Deploying with an upload",
      "",
      "`POST /v1/functions/{name}:deploy` takes either JSON, `{ spec, activate }` as `spear.api.functions.deploy` (a process,",
      "a container, or an artifact registered before), or `multipart/form-data` with the fields `spec` (the `FunctionSpec`",
      "as JSON text, without `artifact`), `activate` (`true` / `false`, default `true`) and the file `artifact`. The file",
      `(at most \`--upload-limit\`, ${mib(defaults.uploadLimit)} by default) is streamed to a temporary file while it is hashed; the whole`,
      "request is then validated before any byte goes further, and the artifact takes the way `spear functions deploy`",
      "takes: `artifacts.prepare`, an upload to the object store only when the bytes are missing, `artifacts.register`,",
      "then `functions.deploy` with the artifact's sha256 and size in the spec. The answer is the deploy result plus",
      "`artifact: { sha256, size, uploaded }`.",
      "",
      "```",
      `curl -s ${base}/v1/functions/echo:deploy -F 'spec={"runtime":"wasm","limits":{"timeoutMs":5000}}' -F artifact=@examples/echo/build/echo.wasm`,
      "```",
      "",
      "### Codes the gateway answers with itself",
      "",
      "| code | http | when |",
      "|---|---|---|",
      ...gatewayCodes.map(([c, when]) => `| \`${c}\` | ${errorCatalog[c].http} | ${when} |`),
    ],
  };
  return [routes];
}
