import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { apiRoutes, probeRoutes } from "../../../services/gateway/routes/index.js";
import { useGatewayCluster } from "./harness.js";

const g = useGatewayCluster({ open: {}, secured: { tokens: "tok-alpha-1, tok-beta-2" } });

describe("gateway: bearer tokens", () => {
  it("answers 401 unauthorized with WWW-Authenticate without a token or with a wrong one", async () => {
    const none = await g.http("secured", "GET", "/v1/nodes");
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ code: "unauthorized", message: expect.stringContaining("Bearer") });
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="spear"');

    const wrong = await g.http("secured", "GET", "/v1/nodes", { token: "tok-alpha-2" });
    expect(wrong.status).toBe(401);
    expect(wrong.json.code).toBe("unauthorized");
    expect(wrong.headers.get("www-authenticate")).toBe('Bearer realm="spear", error="invalid_token"');

    const basic = await g.http("secured", "GET", "/v1/nodes", { headers: { authorization: "Basic dG9rLWFscGhhLTE=" } });
    expect(basic.status).toBe(401);
  });

  it("lets a request with any configured token through, on every /v1 route", async () => {
    for (const token of ["tok-alpha-1", "tok-beta-2"]) {
      const r = await g.http("secured", "GET", "/v1/nodes", { token });
      expect(r.status).toBe(200);
      expect(r.json.items.length).toBeGreaterThanOrEqual(1);
    }
    await g.cluster.deploy("gw-auth-echo");
    expect((await g.http("secured", "POST", "/v1/functions/gw-auth-echo:invoke", { body: { input: 1 } })).status).toBe(401);
    const invoked = await g.http("secured", "POST", "/v1/functions/gw-auth-echo:invoke", { body: { input: 1 }, token: "tok-beta-2" });
    expect(invoked.status).toBe(200);
    expect(invoked.json.status).toBe("succeeded");
  });

  it("checks the token before the body is parsed: a bad body without a token is a 401, not a 400 or 415", async () => {
    const notJson = await g.http("secured", "POST", "/v1/functions/gw-x:invoke", { body: "{not json", headers: { "content-type": "application/json" } });
    expect(notJson.status).toBe(401);
    const text = await g.http("secured", "POST", "/v1/functions/gw-x:invoke", { body: "hello", headers: { "content-type": "text/plain" } });
    expect(text.status).toBe(401);
  });

  it("keeps the probes, /docs and /openapi.json open, and a gateway without tokens open everywhere", async () => {
    expect((await g.http("secured", "GET", "/healthz")).status).toBe(200);
    expect((await g.http("secured", "GET", "/readyz")).status).toBe(200);
    expect((await g.http("secured", "GET", "/openapi.json")).status).toBe(200);
    expect((await g.http("secured", "GET", "/docs/")).status).toBe(200);
    expect((await g.http("open", "GET", "/v1/nodes")).status).toBe(200);
  });
});

describe("gateway: OpenAPI and probes", () => {
  it("serves a valid OpenAPI 3.1 document that lists every route", async () => {
    const r = await g.http("open", "GET", "/openapi.json");
    expect(r.status).toBe(200);
    const doc = r.json;
    expect(doc.openapi).toBe("3.1.0");
    const validator = new Validator();
    const validation = await validator.validate(doc);
    expect(validation.errors ?? []).toEqual([]);
    expect(validation.valid).toBe(true);
    expect(validator.version).toBe("3.1");

    for (const route of [...apiRoutes, ...probeRoutes]) {
      expect(doc.paths[route.path]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined();
    }
    const documented = Object.values(doc.paths as Record<string, object>).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(documented).toBe(apiRoutes.length + probeRoutes.length);
  });

  it("documents schemas from the API's zod schemas, both bodies of a deploy, and the errors", async () => {
    const doc = (await g.http("open", "GET", "/openapi.json")).json;
    const invoke = doc.paths["/v1/functions/{name}:invoke"].post;
    const invokeBody = invoke.requestBody.content["application/json"].schema;
    expect(Object.keys(invokeBody.properties)).toEqual(expect.arrayContaining(["input", "version", "sessionId", "priority", "timeoutMs", "invocationId"]));
    expect(invoke.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ in: "path", name: "name" }), expect.objectContaining({ in: "query", name: "async" })]));
    expect(Object.keys(invoke.responses)).toEqual(expect.arrayContaining(["200", "202", "4XX", "5XX"]));
    expect(invoke.responses["4XX"].content["application/json"].schema.required).toEqual(["code", "message"]);

    const deploy = doc.paths["/v1/functions/{name}:deploy"].post.requestBody.content;
    expect(Object.keys(deploy).sort()).toEqual(["application/json", "multipart/form-data"]);
    expect(deploy["multipart/form-data"].schema.properties.artifact).toMatchObject({ type: "string", format: "binary" });
    expect(deploy["application/json"].schema.properties.spec.properties.runtime.enum).toEqual(["wasm", "process", "container"]);
    expect(doc.components?.securitySchemes).toBeUndefined();

    const secured = (await g.http("secured", "GET", "/openapi.json")).json;
    expect(secured.components.securitySchemes.bearerToken).toEqual({ type: "http", scheme: "bearer" });
    expect(secured.paths["/v1/nodes"].get.security).toEqual([{ bearerToken: ["read"] }]);
    expect(secured.paths["/healthz"].get.security).toBeUndefined();
  });

  it("answers /healthz and /readyz", async () => {
    expect((await g.http("open", "GET", "/healthz")).json).toEqual({ status: "ok" });
    const ready = await g.http("open", "GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({ status: "ready", controlPlane: "answering", natsRttMs: expect.any(Number) });
  });

  it("redirects / to /docs", async () => {
    const r = await g.http("open", "GET", "/");
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("/docs");
  });
});
