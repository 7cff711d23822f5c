import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { api } from "../../../domain/api/registry.js";
import { parseConfig } from "../../../services/config.js";
import { GatewayConfig } from "../../../services/gateway/config.js";
import { apiRoutes } from "../../../services/gateway/routes/index.js";
import { smsRequest } from "../../../services/api/client.js";
import { useGatewayCluster } from "./harness.js";
import { sha256, writeTokensFile } from "./tokens-file.js";

/*
 * Issue 12, item 4: tokens with scopes. Each token of the file has the scopes it lists; each
 * `--tokens` entry has them all; every /v1 route checks the caller's scope before anything else.
 */
const tokensFile = writeTokensFile({
  tokens: [
    { name: "invoker", token: "tok-invoke", scopes: ["invoke"] },
    { name: "reader", sha256: sha256("tok-read"), scopes: ["read"] },
    { name: "deployer", token: "tok-deploy", scopes: ["deploy", "read"] },
    { name: "operator", token: "tok-admin", scopes: ["admin"] },
  ],
});
const g = useGatewayCluster({ scoped: { tokensFile, tokens: "tok-all-1" } });

const scopesOf: Record<string, readonly string[]> = {
  "tok-invoke": ["invoke"],
  "tok-read": ["read"],
  "tok-deploy": ["deploy", "read"],
  "tok-admin": ["admin"],
  "tok-all-1": ["admin"],
};
const grants = (token: string, scope: string) => scopesOf[token]!.includes("admin") || scopesOf[token]!.includes(scope);

const as = (token: string | undefined, method: string, path: string, body?: unknown) =>
  g.http("scoped", method, path, { ...(token ? { token } : {}), ...(body === undefined ? {} : { body }) });

/** The watches answer an event stream that stays open: their status (and a refusal's body) is all a scope check needs. */
const isEventStream = (path: string) => /[/:]watch$/.test(path);
async function statusOnly(token: string, path: string): Promise<{ status: number; json: any }> {
  const hangUp = new AbortController();
  const res = await fetch(`${g.url("scoped")}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: hangUp.signal });
  const json = res.status === 200 ? undefined : await res.json();
  hangUp.abort();
  return { status: res.status, json };
}

const deployForm = () => {
  const form = new FormData();
  form.append("spec", JSON.stringify({ runtime: "wasm" }));
  form.append("artifact", new Blob([new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])], { type: "application/wasm" }), "m.wasm");
  return form;
};

describe("gateway: scopes", () => {
  it("refuses a deploy with 403 forbidden to a token without the deploy scope, and the function stays as it was", async () => {
    const first = await as("tok-deploy", "POST", "/v1/functions/gw-scope-fn:deploy", { spec: { runtime: "process", command: ["true"] } });
    expect(first.status).toBe(200);

    for (const token of ["tok-invoke", "tok-read"]) {
      const json = await as(token, "POST", "/v1/functions/gw-scope-fn:deploy", { spec: { runtime: "process", command: ["false"] } });
      expect(json.status, token).toBe(403);
      expect(json.json).toMatchObject({ code: "forbidden", details: { scope: "deploy" } });
      const multipart = await as(token, "POST", "/v1/functions/gw-scope-fn:deploy", deployForm());
      expect(multipart.status, token).toBe(403);
      expect((await as(token, "POST", "/v1/functions/gw-scope-fn:deactivate")).status).toBe(403);
      expect((await as(token, "DELETE", "/v1/functions/gw-scope-fn")).status).toBe(403);
    }
    const fn = await smsRequest(g.cluster.nats.nc, api.functions.get, { name: "gw-scope-fn" });
    expect(fn).toMatchObject({ activeVersion: 1, latestVersion: 1, deleted: false });
  });

  it("opens each /v1 route to the tokens whose scopes include the one it declares, and to no other", async () => {
    const concrete = (path: string) => path.replace(/\{\w+\}/g, "gw-scope-none");
    for (const route of apiRoutes) {
      expect(["invoke", "read", "deploy", "admin"], `${route.method} ${route.path}`).toContain(route.scope);
      for (const token of Object.keys(scopesOf)) {
        const r = isEventStream(route.path) ? await statusOnly(token, concrete(route.path)) : await as(token, route.method, concrete(route.path), route.method === "POST" ? {} : undefined);
        const what = `${token} on ${route.method} ${route.path} (needs ${route.scope})`;
        if (grants(token, route.scope)) expect([401, 403], what).not.toContain(r.status);
        else {
          expect(r.status, what).toBe(403);
          expect(r.json.details, what).toMatchObject({ scope: route.scope, reason: "missing_scope" });
        }
      }
    }
  });

  it("gives every --tokens entry all scopes: it deploys, drains and undrains", async () => {
    expect((await as("tok-all-1", "POST", "/v1/functions/gw-scope-all:deploy", { spec: { runtime: "process", command: ["true"] } })).status).toBe(200);
    expect((await as("tok-all-1", "POST", "/v1/nodes/gw-node-1:drain", { reason: "scope test" })).json.node.state).toBe("draining");
    expect((await as("tok-read", "POST", "/v1/nodes/gw-node-1:undrain")).status).toBe(403);
    expect((await as("tok-admin", "POST", "/v1/nodes/gw-node-1:undrain")).json.node.state).toBe("online");
  });

  it("tells an unauthenticated caller nothing: unknown routes and bad input are 401 too", async () => {
    for (const [method, path, body] of [
      ["GET", "/v1/nothing-here", undefined],
      ["POST", "/v1/functions/gw-scope-fn:deploy", { spec: { runtime: "cobol" } }],
      ["GET", `/v1/invocations/${"!".repeat(300)}`, undefined],
      ["DELETE", "/v1", undefined],
    ] as const) {
      const r = await as(undefined, method, path, body);
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.json.code).toBe("unauthorized");
      expect((await as("tok-wrong", method, path, body)).status, `${method} ${path} with a wrong token`).toBe(401);
    }
    const known = await as("tok-invoke", "GET", "/v1/nothing-here");
    expect(known.status).toBe(404);
    expect(known.json.code).toBe("route_not_found");
  });

  it("accepts a token listed by its sha256, and not the digest itself as a token", async () => {
    expect((await as("tok-read", "GET", "/v1/nodes")).status).toBe(200);
    expect((await as(sha256("tok-read"), "GET", "/v1/nodes")).status).toBe(401);
  });

  it("states each route's scope in the OpenAPI document, which stays valid", async () => {
    const doc = (await as(undefined, "GET", "/openapi.json")).json;
    const validation = await new Validator().validate(doc);
    expect(validation.errors ?? []).toEqual([]);
    for (const route of apiRoutes) {
      expect(doc.paths[route.path][route.method.toLowerCase()].security, `${route.method} ${route.path}`).toEqual([{ bearerToken: [route.scope] }]);
    }
    expect(doc.paths["/healthz"].get.security).toBeUndefined();
  });
});

describe("gateway: token configuration", () => {
  const parse = (input: Record<string, unknown>) => () => parseConfig(GatewayConfig, input, "gateway settings");
  const problem = (content: unknown, name?: string) => parse({ tokensFile: writeTokensFile(content, name) });

  it("reads a tokens file in YAML or JSON", () => {
    const yaml = parse({ tokensFile: writeTokensFile("tokens:\n  - name: a\n    token: tok-a\n    scopes: [read]\n    rateLimit: 5\n") })();
    expect(yaml.credentials.map((c) => ({ name: c.name, scopes: [...c.scopes], rateLimit: c.rateLimit }))).toEqual([{ name: "a", scopes: ["read"], rateLimit: 5 }]);
    const json = parse({ tokensFile: writeTokensFile(JSON.stringify({ tokens: [{ name: "b", sha256: sha256("x"), scopes: ["invoke", "read"] }] }), "t.json") })();
    expect(json.credentials.map((c) => c.name)).toEqual(["b"]);
    expect(parse({ tokens: "one, two" })().credentials.map((c) => [c.name, [...c.scopes]])).toEqual([
      ["token-1", ["admin"]],
      ["token-2", ["admin"]],
    ]);
  });

  it("refuses a bad tokens file at start, naming the entry and field", () => {
    expect(parse({ tokensFile: "/nonexistent/tokens.yaml" })).toThrow(/tokensFile: .*cannot be read/);
    expect(problem("tokens: [ {")).toThrow(/tokensFile: .*not YAML/);
    expect(problem({ tokens: [{ name: "a", token: "t", scopes: ["root"] }] })).toThrow(/tokensFile: tokens\.0\.scopes\.0/);
    expect(problem({ tokens: [{ name: "a", scopes: ["read"] }] })).toThrow(/tokens\.0: .*exactly one of token and sha256/);
    expect(problem({ tokens: [{ name: "a", token: "t", sha256: sha256("t"), scopes: ["read"] }] })).toThrow(/exactly one of token and sha256/);
    expect(problem({ tokens: [{ name: "a", token: "t", scopes: [] }] })).toThrow(/tokens\.0\.scopes/);
    expect(problem({ tokens: [{ name: "a", token: "t", scopes: ["read"], extra: 1 }] })).toThrow(/extra/);
    expect(problem({ tokens: [{ name: "a", token: "has space", scopes: ["read"] }] })).toThrow(/tokens\.0\.token/);
    expect(problem({ tokens: [{ name: "a", sha256: "abc", scopes: ["read"] }] })).toThrow(/tokens\.0\.sha256/);
    expect(
      problem({
        tokens: [
          { name: "a", token: "t1", scopes: ["read"] },
          { name: "a", token: "t2", scopes: ["read"] },
        ],
      }),
    ).toThrow(/tokens\.1\.name: .*'a'.*twice/);
    expect(
      problem({
        tokens: [
          { name: "a", token: "t1", scopes: ["read"] },
          { name: "b", sha256: sha256("t1"), scopes: ["read"] },
        ],
      }),
    ).toThrow(/tokens\.1: .*same token as 'a'/);
    expect(parse({ tokens: "t1", tokensFile: writeTokensFile({ tokens: [{ name: "a", token: "t1", scopes: ["read"] }] }) })).toThrow(/same token as 'token-1'/);
    expect(parse({ tokens: "t1", tokensFile: writeTokensFile({ tokens: [{ name: "token-1", token: "t2", scopes: ["read"] }] }) })).toThrow(/'token-1'.*twice/);
  });
});
