import { describe, expect, it } from "vitest";
import { eventually } from "../../support/nats.js";
import { useGatewayCluster } from "./harness.js";

const g = useGatewayCluster({ open: { bodyLimit: "64kB" } });
const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  g.http("open", method, path, { body, ...(headers ? { headers } : {}) });

describe("gateway: invoking over HTTP", () => {
  it("invokes synchronously and answers 200 with the final result", async () => {
    await g.cluster.deploy("gw-echo");
    const r = await call("POST", "/v1/functions/gw-echo:invoke", { input: { hello: "http" } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ function: "gw-echo", status: "succeeded", output: { echo: { hello: "http" } }, nodeId: "gw-node-1", attempts: 1 });
    expect(r.json.invocationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps the caller's invocation id, and the same id twice is one invocation", async () => {
    const first = await call("POST", "/v1/functions/gw-echo:invoke", { input: 1, invocationId: "gw-mine-1" });
    const again = await call("POST", "/v1/functions/gw-echo:invoke", { input: 1, invocationId: "gw-mine-1" });
    expect(first.status).toBe(200);
    expect(first.json.invocationId).toBe("gw-mine-1");
    // The duplicate is not run again; its wait finds the recorded result.
    expect(again.status).toBe(200);
    expect(again.json.timings).toEqual(first.json.timings);
  });

  it("with ?async=true answers 202 with the id and a Location that answers 404 until the result, then 200", async () => {
    const r = await call("POST", "/v1/functions/gw-echo:invoke?async=true", { input: "later" });
    expect(r.status).toBe(202);
    const id = r.json.invocationId as string;
    expect(r.headers.get("location")).toBe(`/v1/invocations/${id}`);
    const done = await eventually(async () => {
      const got = await call("GET", `/v1/invocations/${id}`);
      if (got.status === 404) {
        expect(got.json.code).toBe("invocation_not_found");
        expect(got.headers.get("retry-after")).toBe("1");
        return undefined;
      }
      return got;
    });
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ invocationId: id, status: "succeeded", output: { echo: "later" } });
  });

  it("answers 504 timeout with a Location when the wait (waitMs) ends first; the invocation goes on", async () => {
    // No node offers the service: the call waits in the scheduler's queue, then is rejected.
    await g.cluster.deploy("gw-queued", { requirements: { services: ["gpu"], labels: {} } });
    const r = await call("POST", "/v1/functions/gw-queued:invoke", { input: 1, invocationId: "gw-wait-1", waitMs: 300 });
    expect(r.status).toBe(504);
    expect(r.json).toMatchObject({ code: "timeout", details: { invocationId: "gw-wait-1" } });
    expect(r.headers.get("location")).toBe("/v1/invocations/gw-wait-1");
    const later = await eventually(async () => {
      const got = await call("GET", "/v1/invocations/gw-wait-1");
      return got.status === 200 ? got : undefined;
    });
    expect(later.json).toMatchObject({ status: "rejected", error: { code: "no_capacity" } });
  });

  it("answers 404 invocation_not_found for an id never submitted", async () => {
    const r = await call("GET", "/v1/invocations/never-seen");
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ code: "invocation_not_found", details: { invocationId: "never-seen" } });
  });

  it("answers a rejected invocation with its code's status: 404 function_not_found for an unknown function", async () => {
    const r = await call("POST", "/v1/functions/gw-nope:invoke", { input: 1, invocationId: "gw-nope-1" });
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ code: "function_not_found", details: { invocationId: "gw-nope-1", result: { status: "rejected" } } });
    expect(r.headers.get("location")).toBe("/v1/invocations/gw-nope-1");
    // The invocation resource itself exists, with its rejected result.
    const got = await call("GET", "/v1/invocations/gw-nope-1");
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ status: "rejected", error: { code: "function_not_found" } });
  });

  it("answers 400 invalid_argument naming the field at fault", async () => {
    const r = await call("POST", "/v1/functions/gw-echo:invoke", { input: 1, priority: 99 });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe("invalid_argument");
    expect(r.json.message).toContain("body.priority");
    expect(r.json.details.issues).toEqual([expect.objectContaining({ in: "body", path: "priority" })]);

    const badName = await call("POST", "/v1/functions/bad%20name:invoke", { input: 1 });
    expect(badName.status).toBe(400);
    expect(badName.json.message).toContain("path.name");

    const badQuery = await call("POST", "/v1/functions/gw-echo:invoke?async=maybe", { input: 1 });
    expect(badQuery.status).toBe(400);
    expect(badQuery.json.message).toContain("query.async");

    const notJson = await call("POST", "/v1/functions/gw-echo:invoke", "{not json", { "content-type": "application/json" });
    expect(notJson.status).toBe(400);
    expect(notJson.json.code).toBe("invalid_argument");
  });

  it("answers 415 unsupported_media_type for a body that is not JSON", async () => {
    const r = await call("POST", "/v1/functions/gw-echo:invoke", "input=1", { "content-type": "text/plain" });
    expect(r.status).toBe(415);
    expect(r.json.code).toBe("unsupported_media_type");
  });

  it("answers 413 payload_too_large for a body over --body-limit, and runs nothing", async () => {
    const r = await call("POST", "/v1/functions/gw-echo:invoke", { input: "x".repeat(70_000), invocationId: "gw-too-big" });
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ code: "payload_too_large" });
    expect((await call("GET", "/v1/invocations/gw-too-big")).status).toBe(404);
  });

  it("answers 404 route_not_found for an unknown route", async () => {
    const r = await call("GET", "/v1/nothing-here");
    expect(r.status).toBe(404);
    expect(r.json.code).toBe("route_not_found");
  });
});
