import { describe, expect, it } from "vitest";
import { api } from "../../../domain/api/registry.js";
import { smsRequest } from "../../../services/api/client.js";
import { useGatewayCluster } from "./harness.js";
import { nodeHttp, rawExchange } from "./raw-http.js";

/*
 * Issues 11 and 12: a cross-origin page must not change anything (a body-less POST deactivated
 * a function, a multipart POST deployed a version, with no token), and a page reached through
 * DNS rebinding gets nothing.
 */
const g = useGatewayCluster({
  open: {},
  named: { allowedHosts: "gw.example.test" },
  cors: { corsOrigins: "http://app.example.test" },
});

const port = (name: string) => new URL(g.url(name)).port;
const boundary = "gw-origin-boundary";
const multipartDeploy = [
  `--${boundary}\r\ncontent-disposition: form-data; name="spec"\r\n\r\n{"runtime":"process","command":["false"]}\r\n`,
  `--${boundary}--\r\n`,
].join("");

describe("gateway: Host", () => {
  it("answers 421 host_not_allowed to a Host it does not know, on every route, and serves the loopback names and its bound address", async () => {
    for (const path of ["/v1/nodes", "/docs/", "/openapi.json", "/readyz"]) {
      const r = await nodeHttp(g.url("open"), "GET", path, { headers: { host: `rebind.example.test:${port("open")}` } });
      expect(r.status, path).toBe(421);
      expect(r.json).toMatchObject({ code: "host_not_allowed", message: expect.stringContaining("rebind.example.test") });
    }
    for (const host of [`127.0.0.1:${port("open")}`, `localhost:${port("open")}`, `[::1]:${port("open")}`, "LOCALHOST"]) {
      expect((await nodeHttp(g.url("open"), "GET", "/v1/nodes", { headers: { host } })).status, host).toBe(200);
    }
    for (const request of ["GET /v1/nodes HTTP/1.1\r\n\r\n", "GET /v1/nodes HTTP/1.1\r\nhost:\r\n\r\n", "GET /v1/nodes HTTP/1.1\r\nhost: evil@127.0.0.1\r\n\r\n"]) {
      const r = await rawExchange(g.url("open"), [{ data: request }]);
      expect(r.status, request).toBe(421);
      expect(r.json.code).toBe("host_not_allowed");
    }
  });

  it("serves the names given with --allowed-hosts besides the loopback ones", async () => {
    expect((await nodeHttp(g.url("named"), "GET", "/v1/nodes", { headers: { host: `gw.example.test:${port("named")}` } })).status).toBe(200);
    expect((await nodeHttp(g.url("named"), "GET", "/v1/nodes", { headers: { host: "localhost" } })).status).toBe(200);
    expect((await nodeHttp(g.url("named"), "GET", "/v1/nodes", { headers: { host: "other.example.test" } })).status).toBe(421);
  });
});

describe("gateway: Origin", () => {
  it("refuses a cross-origin body-less POST with 403 forbidden, and the function stays active", async () => {
    await g.cluster.deploy("gw-origin-fn");
    const r = await nodeHttp(g.url("open"), "POST", "/v1/functions/gw-origin-fn:deactivate", { headers: { origin: "http://evil.example.test" } });
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ code: "forbidden", details: { reason: "origin_not_allowed", origin: "http://evil.example.test" } });
    expect(r.headers["access-control-allow-origin"]).toBeUndefined();
    expect((await smsRequest(g.cluster.nats.nc, api.functions.get, { name: "gw-origin-fn" })).activeVersion).toBe(1);
  });

  it("refuses a cross-origin multipart deploy and a drain, and a preflight, from an origin not allowed", async () => {
    const deploy = await nodeHttp(g.url("open"), "POST", "/v1/functions/gw-origin-fn:deploy", {
      headers: { origin: "null", "content-type": `multipart/form-data; boundary=${boundary}` },
      body: multipartDeploy,
    });
    expect(deploy.status).toBe(403);
    const drain = await nodeHttp(g.url("open"), "POST", "/v1/nodes/gw-node-1:drain", { headers: { origin: "http://evil.example.test", "content-type": "text/plain" }, body: "x" });
    expect(drain.status).toBe(403);
    const preflight = await nodeHttp(g.url("open"), "OPTIONS", "/v1/nodes/gw-node-1:drain", {
      headers: { origin: "http://evil.example.test", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(403);
    expect((await smsRequest(g.cluster.nats.nc, api.functions.get, { name: "gw-origin-fn" })).latestVersion).toBe(1);
    // Not drained; whether it is online is liveness, which a busy machine can upset.
    expect(await smsRequest(g.cluster.nats.nc, api.nodes.get, { nodeId: "gw-node-1" })).toMatchObject({ draining: false, deregisteredAt: null });
  });

  it("serves the gateway's own origin (the /docs page) and the origins given with --cors-origins", async () => {
    const own = await nodeHttp(g.url("open"), "POST", "/v1/functions/gw-origin-fn:activate", { headers: { origin: g.url("open"), "content-type": "application/json" }, body: '{"version":1}' });
    expect(own.status).toBe(200);

    const preflight = await nodeHttp(g.url("cors"), "OPTIONS", "/v1/functions/gw-origin-fn:invoke", {
      headers: { origin: "http://app.example.test", "access-control-request-method": "POST", "access-control-request-headers": "content-type,authorization" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("http://app.example.test");
    expect(String(preflight.headers["access-control-allow-headers"])).toMatch(/authorization/i);
    const allowed = await nodeHttp(g.url("cors"), "GET", "/v1/nodes", { headers: { origin: "http://app.example.test" } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers["access-control-allow-origin"]).toBe("http://app.example.test");
    const other = await nodeHttp(g.url("cors"), "GET", "/v1/nodes", { headers: { origin: "http://evil.example.test" } });
    expect(other.status).toBe(403);
  });
});
