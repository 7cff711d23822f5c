import { jetstreamManager } from "@nats-io/jetstream";
import { connect, createInbox, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../../../infra/nats/permissions.js";
import { resendResult } from "../../../streams/invocations/results.js";
import { parseNatsUrl } from "../../../streams/nats-url.js";
import { connectTest } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

/**
 * What each role may do is enforced by nats-server itself: these are the server's refusals
 * (a "Permissions Violation" answer), not checks in Spear's code.
 */
const servers = useServers({ nats: true, nodeIds: ["n1", "n2"] });
const open: NatsConnection[] = [];

async function as(role: Role, nodeId?: string): Promise<NatsConnection> {
  const { servers: s, user, password } = parseNatsUrl(servers.nats.urlAs(role, nodeId));
  const nc = await connect({ servers: s, user, pass: password, reconnect: false });
  open.push(nc);
  return nc;
}

/** Publishes as a request: the server refuses it, or it reaches a stream (an ack) or nobody (no responders). */
async function attempt(nc: NatsConnection, subject: string, data = "{}"): Promise<"refused" | "allowed"> {
  try {
    await nc.request(subject, data, { timeout: 2_000 });
    return "allowed";
  } catch (e) {
    return /Permissions Violation/.test(String(e)) ? "refused" : "allowed";
  }
}

beforeAll(async () => {
  const admin = await connectTest(servers.nats.url);
  await admin.nc.close();
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((nc) => nc.close()));
});

describe("NATS permissions by role, enforced by the server", () => {
  it("refuses an anonymous connection and a wrong password", async () => {
    await expect(connect({ servers: servers.nats.anonymousUrl, reconnect: false })).rejects.toThrow(/Authorization Violation/);
    await expect(connect({ servers: servers.nats.anonymousUrl, user: "client", pass: "not-the-password", reconnect: false })).rejects.toThrow(/Authorization Violation/);
  });

  it("a spearlet cannot publish on another node's subjects, control events, results, assignments, nor manage streams", { timeout: 60_000 }, async () => {
    const n1 = await as("spearlet", "n1");
    for (const subject of [
      "spear.status.n2",
      "spear.record.n2",
      "spear.presence.n2",
      "spear.capacity.n2",
      "spear.api.nodes.n2.stats",
      "spear.assign.n1",
      "spear.assign.n2",
      "spear.evt.node.n1",
      "spear.evt.function.f",
      "spear.result.someone-elses-invocation",
      "spear.invoke.f",
      "$JS.API.STREAM.CREATE.MINE",
      "$JS.API.STREAM.DELETE.SPEAR_RESULTS",
      "$JS.API.STREAM.PURGE.SPEAR_EVENTS",
      "$JS.API.CONSUMER.MSG.NEXT.SPEAR_ASSIGN.spearlet_n2",
      "$JS.API.CONSUMER.DELETE.SPEAR_ASSIGN.spearlet_n2",
    ]) {
      expect([subject, await attempt(n1, subject)]).toEqual([subject, "refused"]);
    }
    expect(await attempt(n1, "spear.status.n1")).toBe("allowed");
    expect(await attempt(n1, "spear.record.n1")).toBe("allowed");
    expect(await attempt(n1, "spear.capacity.n1")).toBe("allowed");
    // A replayed assignment's result, looked up by its subject.
    expect(await attempt(n1, "$JS.API.DIRECT.GET.SPEAR_RESULTS.spear.result.some-id", "")).toBe("allowed");
    expect(await attempt(n1, "spear.invoke.f.retry")).toBe("allowed");
  });

  it("a spearlet can send a replayed call's recorded result to its caller again, looked up by the result's subject", async () => {
    const admin = await connectTest(servers.nats.url);
    try {
      await admin.js.publish("spear.result.perm-replayed", JSON.stringify({ recorded: true }));
    } finally {
      await admin.nc.close();
    }
    const n1 = await as("spearlet", "n1");
    const inbox = createInbox();
    const got = n1.subscribe(inbox, { max: 1, timeout: 5_000 });
    expect(await resendResult(n1, await jetstreamManager(n1), "perm-replayed", inbox)).toBe(true);
    for await (const m of got) expect(m.json()).toEqual({ recorded: true });
  });

  it("a client can invoke and read a result by its id, and nothing else of the cluster's internals", { timeout: 60_000 }, async () => {
    const client = await as("client");
    expect(await attempt(client, "spear.invoke.f", JSON.stringify({ input: 1 }))).toBe("allowed");
    expect(await attempt(client, "$JS.API.DIRECT.GET.SPEAR_RESULTS.spear.result.some-id", "")).toBe("allowed");
    for (const subject of [
      "spear.assign.n1",
      "spear.evt.invocation.x",
      "spear.evt.function.f",
      "spear.result.x",
      "spear.invoke.f.retry",
      "spear.record.n1",
      "spear.status.n1",
      "spear.capacity.n1",
      "spear.api.functions.deploy",
      "spear.api.nodes.drain",
      // reading every result by walking the stream
      "$JS.API.DIRECT.GET.SPEAR_RESULTS",
      "$JS.API.CONSUMER.CREATE.SPEAR_RESULTS",
      "$JS.API.STREAM.MSG.GET.SPEAR_RESULTS",
      "$JS.API.STREAM.CREATE.MINE",
      "$JS.API.STREAM.DELETE.SPEAR_INVOKE",
    ]) {
      expect([subject, await attempt(client, subject)]).toEqual([subject, "refused"]);
    }
  });

  it("a client cannot listen to what other parts of the cluster are told", async () => {
    const client = await as("client");
    const refused = new Promise<string>((resolve) => {
      void (async () => {
        for await (const s of client.status()) if (s.type === "error" && /Permissions Violation/.test(String(s.error))) return resolve(String(s.error));
      })();
    });
    client.subscribe("spear.record.>");
    await client.flush();
    expect(await refused).toMatch(/Subscription to "spear.record.>"/);
  });

  it("the projection worker, the control plane and the scheduler cannot create, change or delete streams", { timeout: 30_000 }, async () => {
    for (const role of ["projections", "control-plane", "scheduler", "gateway"] as const) {
      const nc = await as(role);
      for (const subject of ["$JS.API.STREAM.CREATE.MINE", "$JS.API.STREAM.UPDATE.SPEAR_EVENTS", "$JS.API.STREAM.DELETE.SPEAR_EVENTS", "$JS.API.STREAM.PURGE.SPEAR_EVENTS"]) {
        expect([role, subject, await attempt(nc, subject)]).toEqual([role, subject, "refused"]);
      }
    }
  });
});
