import fc from "fast-check";
import { errorCatalog, isErrorCode } from "../../../domain/errors.js";
import { apiSeeds, DECOY, syncInvokeSeed } from "../api-seeds.js";
import { bodyArb, bodyBytes, describeBody, type BodySpec } from "../body.js";
import type { Verdict } from "../tally.js";
import { UNKNOWN_FUNCTIONS, type Edge, type Targets } from "./edge.js";

/** An HTTP request to the gateway: a route of docs/api.md with odd ids, query, headers and body, or a path no route has. */
export interface HttpMessage {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: BodySpec;
}

/** Larger than the gateway's default body limit (1 MiB), and under it. */
const HUGE = [100_000, 1_100_000];
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** Ids of any kind: real, decoys, unknown, bad characters, empty, and from 100 to 8,000 characters. */
const idArb = (real: readonly string[], decoy: string): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...real, decoy), weight: 3 },
    { arbitrary: fc.constantFrom(...UNKNOWN_FUNCTIONS, "", " ", "..", "%", "%00", "a/b", "a:b", "?", "#"), weight: 2 },
    { arbitrary: fc.string({ unit: "binary", maxLength: 30 }), weight: 2 },
    { arbitrary: fc.constantFrom(100, 129, 1_000, 8_000).map((n) => "i".repeat(n)), weight: 1 },
  );

/** Route templates with their method and a valid body; destructive ones name decoys only. */
function routes(t: Targets): fc.Arbitrary<{ method: string; path: string; seed?: unknown }> {
  const seeds = apiSeeds(t);
  const fn = idArb(t.functions, DECOY.function);
  const node = idArb(t.nodes, DECOY.node);
  const decoyFn = idArb([], DECOY.function);
  const decoyNode = idArb([], DECOY.node);
  const any = idArb([], "x");
  const enc = (s: string) => encodeURIComponent(s);
  return fc.oneof(
    fn.map((n) => ({ method: "POST", path: `/v1/functions/${enc(n)}:invoke`, seed: syncInvokeSeed() })),
    any.map((id) => ({ method: "GET", path: `/v1/invocations/${enc(id)}` })),
    fc.constant({ method: "GET", path: "/v1/functions" }),
    fn.map((n) => ({ method: "GET", path: `/v1/functions/${enc(n)}` })),
    fn.map((n) => ({ method: "GET", path: `/v1/functions/${enc(n)}/versions` })),
    decoyFn.map((n) => ({ method: "POST", path: `/v1/functions/${enc(n)}:deploy`, seed: { spec: (seeds["functions.deploy"] as { spec: unknown }).spec } })),
    decoyFn.map((n) => ({ method: "POST", path: `/v1/functions/${enc(n)}:activate`, seed: { version: 1 } })),
    decoyFn.map((n) => ({ method: "POST", path: `/v1/functions/${enc(n)}:deactivate` })),
    decoyFn.map((n) => ({ method: "DELETE", path: `/v1/functions/${enc(n)}` })),
    fc.constant({ method: "GET", path: "/v1/nodes" }),
    node.map((n) => ({ method: "GET", path: `/v1/nodes/${enc(n)}` })),
    decoyNode.map((n) => ({ method: "POST", path: `/v1/nodes/${enc(n)}:drain`, seed: { reason: "fuzz" } })),
    decoyNode.map((n) => ({ method: "POST", path: `/v1/nodes/${enc(n)}:undrain` })),
    decoyNode.map((n) => ({ method: "DELETE", path: `/v1/nodes/${enc(n)}` })),
    fc.constant({ method: "GET", path: "/v1/pools" }),
    any.map((p) => ({ method: "GET", path: `/v1/pools/${enc(p)}` })),
    fc.constant({ method: "POST", path: "/v1/pools:apply", seed: seeds["pools.apply"] }),
    any.map((s) => ({ method: "GET", path: `/v1/sessions/${enc(s)}` })),
    any.map((s) => ({ method: "POST", path: `/v1/sessions/${enc(s)}:end` })),
    fc.constantFrom("/healthz", "/readyz", "/openapi.json").map((path) => ({ method: "GET", path })),
    fc.array(fc.string({ unit: "binary", maxLength: 12 }), { maxLength: 5 }).map((segs) => ({ method: "GET", path: `/${segs.map(enc).join("/")}` })),
    fc.constantFrom("/v1", "/v1/", "//v1//functions", "/v1/functions/../nodes", "/v1/functions/%E0%A4%A", "/v1/nodes/%zz", "/v1/functions/a:b:c", "/v1/pools:apply/x").map((path) => ({ method: "GET", path })),
  );
}

const queryArb = fc.oneof(
  { arbitrary: fc.constant(""), weight: 4 },
  {
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom("limit", "cursor", "minSeq", "async", "state", "includeDeleted", "reason", "x"), fc.oneof(fc.constantFrom("1", "-1", "0", "1e20", "abc", "true", "", "online,lost", "%", "9".repeat(30)), fc.string({ maxLength: 10 }))), { maxLength: 3 })
      .map((kv) => `?${kv.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")}`),
    weight: 1,
  },
);

/** Header values fetch can send: printable Latin-1, no CR, LF or NUL. */
const latin1 = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 40 });
const headersArb = fc.record(
  {
    "content-type": fc.oneof(fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "multipart/form-data", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "", "application/json; charset=latin1"), latin1),
    authorization: fc.oneof(fc.constantFrom("Bearer", "Bearer x", "Basic Zm9vOmJhcg=="), latin1),
    "spear-correlation-id": latin1,
    accept: fc.constantFrom("*/*", "text/html", "application/json"),
  },
  { requiredKeys: [] },
);

/** Every answer that is not a success must be `{code, message}` with a catalog code and that code's HTTP status. */
export async function httpVerdict(res: Response): Promise<Verdict> {
  const text = await res.text();
  if (res.status >= 200 && res.status < 300) return { kind: "accepted", code: `http ${res.status}` };
  let body: { code?: unknown; message?: unknown } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return { kind: "untyped", code: `http ${res.status}`, problem: `status ${res.status} with a body that is not JSON: ${text.slice(0, 120)}` };
  }
  const code = body?.code;
  if (typeof code !== "string" || typeof body?.message !== "string") return { kind: "untyped", code: `http ${res.status}`, problem: `status ${res.status} without {code, message}: ${text.slice(0, 120)}` };
  if (!isErrorCode(code)) return { kind: "untyped", code, problem: `code '${code}' is not in the catalog` };
  if (errorCatalog[code].http !== res.status) return { kind: "untyped", code, problem: `code '${code}' came with status ${res.status}, the catalog says ${errorCatalog[code].http}` };
  return { kind: "rejected", code };
}

export function httpEdge(t: Targets): Edge<HttpMessage> {
  const arbitrary = routes(t).chain(({ method, path, seed }) =>
    fc.record(
      {
        method: fc.oneof({ arbitrary: fc.constant(method), weight: 5 }, { arbitrary: fc.constantFrom(...METHODS), weight: 1 }),
        path: fc.constant(path),
        query: queryArb,
        headers: headersArb,
        body: bodyArb(seed ?? {}, { hugeBytes: HUGE, deepField: "input" }),
      },
      { requiredKeys: ["method", "path", "query", "headers"] },
    ),
  ) as fc.Arbitrary<HttpMessage>;
  return {
    arbitrary,
    describe: (m) => `${m.method} ${m.path.slice(0, 200)}${m.query} headers ${JSON.stringify(m.headers)}${m.body ? `, body ${describeBody(m.body)}` : ""}`,
    async send(ctx, m) {
      // fetch sends no body with GET (nor OPTIONS here): the body is for the other methods.
      const body = m.body && !["GET", "OPTIONS"].includes(m.method) ? Buffer.from(bodyBytes(m.body)) : undefined;
      try {
        const res = await fetch(`${ctx.gatewayUrl}${m.path}${m.query}`, { method: m.method, headers: m.headers, body, signal: AbortSignal.timeout(ctx.answerTimeoutMs) });
        return await httpVerdict(res);
      } catch (e) {
        const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : "";
        return { kind: "missing", problem: `no answer: ${e instanceof Error ? e.message : String(e)}${cause}` };
      }
    },
  };
}
