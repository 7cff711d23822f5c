import { describe, expect, it } from "vitest";
import { subjects } from "../../../domain/subjects.js";
import { streamNames } from "../../../streams/catalog.js";
import { eventually } from "../../support/nats.js";
import { useGatewayCluster } from "./harness.js";
import { writeTokensFile } from "./tokens-file.js";

/* Issue 12, item 4: a rate limit per token and a cap on synchronous waits, answered in the documented shape. */
const tokensFile = writeTokensFile({
  tokens: [
    { name: "slow", token: "tok-slow", scopes: ["read"], rateLimit: 3 },
    { name: "fast", token: "tok-fast", scopes: ["read"] },
    { name: "unlimited", token: "tok-unlimited", scopes: ["read"], rateLimit: 0 },
  ],
});
const g = useGatewayCluster({
  limited: { tokensFile, rateLimit: 5, rateWindow: "1m" },
  open: { rateLimit: 4, rateWindow: "1m" },
  capped: { maxSyncWaits: 2 },
});

describe("gateway: rate limit per token", () => {
  it("answers 429 rate_limited with Retry-After past a token's limit, and other tokens go on", async () => {
    for (let i = 0; i < 3; i++) expect((await g.http("limited", "GET", "/v1/nodes", { token: "tok-slow" })).status).toBe(200);
    const over = await g.http("limited", "GET", "/v1/nodes", { token: "tok-slow" });
    expect(over.status).toBe(429);
    expect(over.json).toMatchObject({ code: "rate_limited", details: { limit: 3, token: "slow" } });
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);

    // The others have the gateway's --rate-limit (5), or none.
    for (let i = 0; i < 5; i++) expect((await g.http("limited", "GET", "/v1/nodes", { token: "tok-fast" })).status).toBe(200);
    expect((await g.http("limited", "GET", "/v1/nodes", { token: "tok-fast" })).status).toBe(429);
    for (let i = 0; i < 10; i++) expect((await g.http("limited", "GET", "/v1/nodes", { token: "tok-unlimited" })).status).toBe(200);
    // The probes are never limited.
    for (let i = 0; i < 10; i++) expect((await g.http("limited", "GET", "/healthz")).status).toBe(200);
  });

  it("limits a gateway without tokens per client address", async () => {
    for (let i = 0; i < 4; i++) expect((await g.http("open", "GET", "/v1/nodes")).status).toBe(200);
    const over = await g.http("open", "GET", "/v1/nodes");
    expect(over.status).toBe(429);
    expect(over.json.code).toBe("rate_limited");
  });
});

describe("gateway: synchronous waits", () => {
  it("answers 503 too_many_waits at once past --max-sync-waits and submits nothing; async invokes go on", async () => {
    // No node offers the service: each call waits in the scheduler's queue until it is rejected.
    await g.cluster.deploy("gw-limits-queued", { requirements: { services: ["gpu"], labels: {} } });
    const waiting = [1, 2].map((n) => g.http("capped", "POST", "/v1/functions/gw-limits-queued:invoke", { body: { input: n, invocationId: `gw-limits-wait-${n}`, waitMs: 4_000 } }));
    await eventually(async () => ((await g.cluster.nats.jsm.streams.info(streamNames.invoke, { subjects_filter: subjects.invoke("gw-limits-queued") })).state.subjects?.[subjects.invoke("gw-limits-queued")] === 2 ? true : undefined));

    const started = Date.now();
    const refused = await g.http("capped", "POST", "/v1/functions/gw-limits-queued:invoke", { body: { input: 3, invocationId: "gw-limits-wait-3" } });
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ code: "too_many_waits", details: { maxSyncWaits: 2 } });
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(Date.now() - started).toBeLessThan(2_000);

    const async = await g.http("capped", "POST", "/v1/functions/gw-limits-queued:invoke?async=true", { body: { input: 4 } });
    expect(async.status).toBe(202);

    for (const r of await Promise.all(waiting)) expect(r.json.code).toBe("no_capacity");
    const info = await g.cluster.nats.jsm.streams.info(streamNames.invoke, { subjects_filter: subjects.invoke("gw-limits-queued") });
    expect(info.state.subjects?.[subjects.invoke("gw-limits-queued")]).toBe(3);
    expect((await g.http("capped", "GET", "/v1/invocations/gw-limits-wait-3")).status).toBe(404);

    // The waits are given back: the next synchronous call is taken.
    const again = await g.http("capped", "POST", "/v1/functions/gw-limits-queued:invoke", { body: { input: 5, waitMs: 200 } });
    expect(again.status).toBe(504);
  });
});
