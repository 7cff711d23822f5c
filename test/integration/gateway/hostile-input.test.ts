import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../../domain/json-limits.js";
import { subjects } from "../../../domain/subjects.js";
import { streamNames } from "../../../streams/catalog.js";
import { useGatewayCluster } from "./harness.js";
import { chunked, rawExchange } from "./raw-http.js";

/*
 * Issue 11, "Bad input never hurts": what a hostile client found against `spear dev`, each
 * answered in the documented `{ code, message, details }` shape.
 */
const g = useGatewayCluster({
  open: { uploadLimit: "1MiB" },
  tight: { requestTimeout: "1500ms", headersTimeout: "500ms", connectionTimeout: "1s" },
});

/** Whether anything was ever published on the function's request subject. */
const submitted = async (fn: string) => (await g.cluster.nats.jsm.direct.getMessage(streamNames.invoke, { last_by_subj: subjects.invoke(fn) })) !== null;

const head = (method: string, path: string, headers: Record<string, string | number>) =>
  `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("gateway: bodies over the limit", () => {
  it("answers 413 to a 2 MiB body and reads it to the end, so a client that sends it all sees the answer", async () => {
    await g.cluster.deploy("gw-hostile-echo");
    const body = Buffer.alloc(2 * 1024 * 1024, " ");
    const r = await rawExchange(g.url("open"), [
      { data: head("POST", "/v1/functions/gw-hostile-echo:invoke", { "content-type": "application/json", "content-length": body.length }) },
      ...chunked(body, 64 * 1024),
    ]);
    expect(r.error).toBeUndefined();
    expect(r.sent).toBeGreaterThan(body.length);
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ code: "payload_too_large", message: expect.stringContaining("--body-limit") });
  });

  it("answers 413 to an artifact over --upload-limit sent to the end, and deploys nothing", async () => {
    const boundary = "gw-hostile-boundary";
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="spec"\r\n\r\n{"runtime":"wasm"}\r\n`),
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="artifact"; filename="big.wasm"\r\ncontent-type: application/wasm\r\n\r\n`),
      Buffer.alloc(3 * 1024 * 1024, 1),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const r = await rawExchange(g.url("open"), [
      { data: head("POST", "/v1/functions/gw-hostile-big:deploy", { "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": body.length }) },
      ...chunked(body, 64 * 1024),
    ]);
    expect(r.error).toBeUndefined();
    expect(r.sent).toBeGreaterThan(body.length);
    expect(r.status).toBe(413);
    expect(r.json.code).toBe("payload_too_large");
    expect((await g.http("open", "GET", "/v1/functions/gw-hostile-big")).json.code).toBe("function_not_found");
  });

  it("answers 400 invalid_argument to a malformed multipart body", async () => {
    for (const [contentType, body] of [
      ["multipart/form-data", "x"],
      ["multipart/form-data; boundary=gw-b", '--gw-b\r\ncontent-disposition: form-data; name="spec"\r\n\r\n{"runtime":"wasm"}'],
      ["multipart/form-data; boundary=gw-b", "--gw-b\r\nno-colon-here\r\n\r\nx\r\n--gw-b--\r\n"],
    ] as const) {
      const r = await g.http("open", "POST", "/v1/functions/gw-hostile-form:deploy", { body, headers: { "content-type": contentType } });
      expect(r.status, `${contentType}: ${body}`).toBe(400);
      expect(r.json.code).toBe("invalid_argument");
    }
  });

  it("runs a body just under --body-limit, larger than a NATS message holds, at once: its input travels by reference", async () => {
    await g.cluster.deploy("gw-hostile-near");
    const input = "x".repeat(1024 * 1024 - 200);
    const started = Date.now();
    const sync = await g.http("open", "POST", "/v1/functions/gw-hostile-near:invoke", { body: { input } });
    expect(sync.status).toBe(200);
    expect(sync.json.status).toBe("succeeded");
    expect(Date.now() - started).toBeLessThan(10_000);
    const async = await g.http("open", "POST", "/v1/functions/gw-hostile-near:invoke?async=true", { body: { input } });
    expect(async.status).toBe(202);
    const over = await g.http("open", "POST", "/v1/functions/gw-hostile-near:invoke", { body: { input: `${input}${"x".repeat(300)}` } });
    expect(over.status).toBe(413);
    expect(over.json.code).toBe("payload_too_large");
  });
});

describe("gateway: ids and URLs in the documented shape", () => {
  it("looks up an invocation id of 128 characters (the longest valid), and answers 400 invalid_argument for longer ones of any length", async () => {
    const longest = await g.http("open", "GET", `/v1/invocations/${"a".repeat(128)}`);
    expect(longest.status).toBe(404);
    expect(longest.json.code).toBe("invocation_not_found");
    for (const n of [129, 1_000, 8_000]) {
      const r = await g.http("open", "GET", `/v1/invocations/${"a".repeat(n)}`);
      expect(r.status, `${n} characters`).toBe(400);
      expect(r.json).toMatchObject({ code: "invalid_argument", message: expect.stringContaining("path.invocationId") });
    }
    const name = await g.http("open", "POST", `/v1/functions/${"f".repeat(300)}:invoke`, { body: { input: 1 } });
    expect(name.status).toBe(400);
    expect(name.json.message).toContain("path.name");
  });

  it("answers Fastify's and Node's own refusals with { code, message }: 431, a bad URL, an unknown method, a malformed request", async () => {
    const huge = await rawExchange(g.url("open"), [{ data: head("GET", `/v1/invocations/${"a".repeat(20_000)}`, {}) }]);
    expect(huge.status).toBe(431);
    expect(huge.json).toMatchObject({ code: "headers_too_large", message: expect.any(String) });

    const badUrl = await g.http("open", "GET", "/v1/functions/%zz");
    expect(badUrl.status).toBe(400);
    expect(badUrl.json).toMatchObject({ code: "invalid_argument", message: expect.any(String) });

    const patch = await g.http("open", "PATCH", "/v1/nodes");
    expect(patch.status).toBe(404);
    expect(patch.json.code).toBe("route_not_found");

    const garbage = await rawExchange(g.url("open"), [{ data: "HELLO / HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n" }]);
    expect(garbage.status).toBe(400);
    expect(garbage.json).toMatchObject({ code: "invalid_argument", message: expect.any(String) });
  });
});

describe("gateway: timeouts", () => {
  it("answers 408 request_timeout to an upload trickled past --request-timeout, and closes", async () => {
    const r = await rawExchange(
      g.url("tight"),
      [
        { data: head("POST", "/v1/functions/gw-hostile-echo:invoke", { "content-type": "application/json", "content-length": 1000 }) },
        ...Array.from({ length: 40 }, () => ({ data: " ", afterMs: 200 })),
      ],
      6_000,
    );
    expect(r.closed).toBe(true);
    expect(r.status).toBe(408);
    expect(r.json).toMatchObject({ code: "request_timeout", message: expect.stringContaining("--request-timeout") });
    expect(r.elapsedMs).toBeLessThan(4_000);
  });

  it("answers 408 to headers trickled past --headers-timeout, and to a connection that sends nothing", async () => {
    const slow = await rawExchange(
      g.url("tight"),
      ["GET /v1/nodes HTTP/1.1\r\n", "host: 127.0.0.1\r\n", "x-a: 1\r\n", "x-b: 2\r\n", "x-c: 3\r\n", "\r\n"].map((data) => ({ data, afterMs: 300 })),
      6_000,
    );
    expect(slow.closed).toBe(true);
    expect(slow.status).toBe(408);
    expect(slow.json.code).toBe("request_timeout");
    expect(slow.elapsedMs).toBeLessThan(3_000);

    const silent = await rawExchange(g.url("tight"), [], 6_000);
    expect(silent.status).toBe(408);
    expect(silent.json.code).toBe("request_timeout");
    expect(silent.elapsedMs).toBeLessThan(3_000);
  });

  it("keeps a synchronous wait longer than --connection-timeout open until it ends", async () => {
    await g.cluster.deploy("gw-hostile-queued", { requirements: { services: ["gpu"], labels: {} } });
    const r = await g.http("tight", "POST", "/v1/functions/gw-hostile-queued:invoke", { body: { input: 1, waitMs: 2_500 } });
    expect(r.status).toBe(504);
    expect(r.json.code).toBe("timeout");
  });
});

describe("gateway: deeply nested JSON", () => {
  it(`refuses an input nested deeper than ${MAX_JSON_DEPTH} levels with 400 before anything is submitted, and takes one at the limit`, async () => {
    await g.cluster.deploy("gw-hostile-deep");
    const send = (depth: number, async = false) =>
      g.http("open", "POST", `/v1/functions/gw-hostile-deep:invoke${async ? "?async=true" : ""}`, { body: `{"input":${nested(depth)}}`, headers: { "content-type": "application/json" } });
    for (const [depth, async] of [
      [MAX_JSON_DEPTH + 1, false],
      [MAX_JSON_DEPTH + 1, true],
      [100_000, false],
    ] as const) {
      const r = await send(depth, async);
      expect(r.status, `depth ${depth}`).toBe(400);
      expect(r.json).toMatchObject({ code: "invalid_argument", message: expect.stringContaining(String(MAX_JSON_DEPTH)) });
    }
    expect(await submitted("gw-hostile-deep")).toBe(false);

    const atLimit = await send(MAX_JSON_DEPTH, true);
    expect(atLimit.status).toBe(202);
    expect(await submitted("gw-hostile-deep")).toBe(true);
  });

  it("refuses a deeply nested body on every route, before validation", async () => {
    const r = await g.http("open", "POST", "/v1/pools:apply", { body: `{"pools":${nested(50_000)}}`, headers: { "content-type": "application/json" } });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: "invalid_argument", message: expect.stringContaining(String(MAX_JSON_DEPTH)) });
  });
});
