import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../services/config.js";
import { SmsConfig } from "../../../services/sms/config.js";
import { startSms } from "../../../services/sms/service.js";
import { defaultStreamSettings } from "../../../streams/catalog.js";
import { useCluster } from "../../support/cluster.js";
import { parseNatsUrl } from "../../../streams/nats-url.js";
import { connectTest, eventually, testLog } from "../../support/nats.js";
import type { SimSpearlet } from "../../support/sim-spearlet.js";

// Only the plain NATS client and the documented subject and JSON: what any language can do.
const cluster = useCluster({ queueTimeout: 5_000 });
let nc: NatsConnection;
let slow: SimSpearlet;
let stall: SimSpearlet;

const ask = async (fn: string, body: string, timeout = 20_000) => {
  const reply = await nc.request(`spear.api.invoke.${fn}`, body, { timeout });
  return JSON.parse(reply.string()) as { ok: boolean; result?: Record<string, unknown>; error?: { code: string; message: string; details?: Record<string, unknown> } };
};

beforeAll(async () => {
  await cluster.deploy("hello", { requirements: { services: ["hello"], labels: {} } });
  await cluster.spearlet("sync-n1", 2, {}, { services: ["hello"] });
  await cluster.deploy("sync-slow", { requirements: { services: ["slow"], labels: {} } });
  slow = await cluster.spearlet("sync-slow-node", 1, { runMs: 1_000 }, { services: ["slow"] });
  // Far longer than stopping a replica takes, even on a loaded machine: the other replica's answer cannot come first.
  await cluster.deploy("sync-stall", { requirements: { services: ["stall"], labels: {} } });
  stall = await cluster.spearlet("sync-stall-node", 1, { runMs: 15_000 }, { services: ["stall"] });
  // A plain client with the client role's identity: all the sync verb needs.
  const { servers, user, password } = parseNatsUrl(cluster.servers.nats.urlAs("client"));
  nc = await connect({ servers, user, pass: password });
});
afterAll(async () => nc?.close());

describe("sync invoke API: spear.api.invoke.<function> from a plain NATS client", () => {
  it("answers with the final result", async () => {
    const reply = await ask("hello", JSON.stringify({ input: { name: "world" } }));
    expect(reply.ok).toBe(true);
    expect(reply.result).toMatchObject({ function: "hello", status: "succeeded", output: { echo: { name: "world" } }, nodeId: "sync-n1", attempts: 1 });
    expect(typeof reply.result!.invocationId).toBe("string");
  });

  it("answers a rejection as a result with its status and code", async () => {
    const reply = await ask("no-such-fn", JSON.stringify({ input: 1, invocationId: "sync-nope" }));
    expect(reply).toMatchObject({ ok: true, result: { invocationId: "sync-nope", status: "rejected", error: { code: "function_not_found" } } });
  });

  it("answers a malformed body with invalid_argument", async () => {
    const notJson = await ask("hello", "{nope");
    expect(notJson).toMatchObject({ ok: false, error: { code: "invalid_argument" } });
    const badField = await ask("hello", JSON.stringify({ input: 1, priority: "high" }));
    expect(badField).toMatchObject({ ok: false, error: { code: "invalid_argument" } });
    expect(JSON.stringify(badField.error!.details)).toContain("priority");
    const badName = await ask("bad%name", JSON.stringify({ input: 1 }));
    expect(badName).toMatchObject({ ok: false, error: { code: "invalid_argument" } });
  });

  it("gives the same invocation's result to a repeated request with the same invocationId", async () => {
    const body = JSON.stringify({ input: "once", invocationId: "sync-same" });
    const [a, b] = await Promise.all([ask("sync-slow", body), ask("sync-slow", body)]);
    expect(a.result).toEqual(b.result);
    const later = await ask("sync-slow", body);
    expect(later.result).toEqual(a.result);
  });

  it("answers timeout after waitMs with the invocation id; the invocation goes on", async () => {
    const reply = await ask("sync-slow", JSON.stringify({ input: "late", invocationId: "sync-late", waitMs: 200 }));
    expect(reply).toMatchObject({ ok: false, error: { code: "timeout", details: { invocationId: "sync-late" } } });
    const again = await ask("sync-slow", JSON.stringify({ input: "late", invocationId: "sync-late" }));
    expect(again).toMatchObject({ ok: true, result: { invocationId: "sync-late", status: "succeeded" } });
  });

  it("answers service_unavailable with the invocation id when the replica waiting for it stops", async () => {
    // A second replica in a queue group of its own gets a copy of every request: stop it mid-wait.
    const conn = await connectTest(cluster.servers.nats.url);
    const other = await startSms(conn, parseConfig(SmsConfig, { queueGroup: "spear-sms-other" }), defaultStreamSettings, testLog);
    const pending = ask("sync-stall", JSON.stringify({ input: "stop", invocationId: "sync-stop" }), 30_000);
    await eventually(() => (stall.assignments.some((a) => a.invocationId === "sync-stop") ? true : undefined));
    await other.stop();
    const reply = await pending;
    await conn.nc.close();
    expect(reply).toMatchObject({ ok: false, error: { code: "service_unavailable", details: { invocationId: "sync-stop" } } });
  });
});
