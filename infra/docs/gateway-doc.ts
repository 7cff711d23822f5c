import { DEFAULT_INVOKE_WAIT_MS, MAX_INVOKE_WAIT_MS } from "../../domain/api/invoke.js";
import { errorCatalog, type ErrorCode } from "../../domain/errors.js";
import { H } from "../../domain/headers.js";
import { DEFAULT_GATEWAY_PORT, GatewayConfig } from "../../services/gateway/config.js";
import type { GatewayRoute } from "../../services/gateway/route.js";
import { apiRoutes, probeRoutes } from "../../services/gateway/routes/index.js";

interface Section {
  readonly title: string;
  readonly render: () => readonly string[];
}

const defaults = GatewayConfig.parse({});
const mib = (bytes: number) => `${bytes / (1024 * 1024)} MiB`;
const base = `http://127.0.0.1:${DEFAULT_GATEWAY_PORT}`;

const call = (c: string) => (c.startsWith("spear.") ? `\`${c}\`` : c);
const row = (r: GatewayRoute) => `| ${r.method} | \`${r.path}\` | ${r.summary} | ${r.calls.map(call).join(", ") || "nothing"} | ${r.success.join(", ")} |`;

/** The codes only the gateway answers with (the others come from the verbs it calls). */
const gatewayCodes: readonly ErrorCode[] = ["invalid_argument", "unauthorized", "route_not_found", "invocation_not_found", "payload_too_large", "unsupported_media_type"];

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
      "| method | path | what it does | calls | success |",
      "|---|---|---|---|---|",
      ...apiRoutes.map(row),
      ...probeRoutes.map(row),
      "",
      "### Conventions",
      "",
      `- Bodies are JSON (\`content-type: application/json\`, at most \`--body-limit\`, ${mib(defaults.bodyLimit)} by default); the deploy route`,
      "  also takes `multipart/form-data`. Any other content type is refused with 415 `unsupported_media_type`, a body",
      "  over the limit with 413 `payload_too_large`.",
      "- Query strings carry the paging and read-after fields of the verbs (`limit`, `cursor`, `minSeq`), flags as",
      "  `true` / `false` (`includeDeleted`), lists comma-separated (`/v1/nodes?state=online,draining`).",
      "- Every error is `{ code, message, details }` with the HTTP status the error catalog gives its code (the `http`",
      "  column of the table at the end). A request that fails validation is 400 `invalid_argument` naming each field",
      "  with where it was: `body.priority: Too big: expected number to be <=9`, and `details.issues` holds",
      "  `{ in, path, message }` for each (`in` is `body`, `path` or `query`).",
      "- With tokens configured (`--tokens`), every `/v1` route needs `Authorization: Bearer <token>`; without one, or with",
      '  a token not configured, it answers 401 `unauthorized` with `WWW-Authenticate: Bearer realm="spear"` (plus',
      '  `error="invalid_token"` for a wrong token) before the body is read. `/healthz`, `/readyz`, `/openapi.json` and',
      "  `/docs` are never behind a token.",
      `- A \`${H.correlationId}\` request header is passed on to what the route calls, so the events it causes carry it.`,
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
      ...gatewayCodes.map((c) => `| \`${c}\` | ${errorCatalog[c].http} | ${errorCatalog[c].text} |`),
    ],
  };
  return [routes];
}
