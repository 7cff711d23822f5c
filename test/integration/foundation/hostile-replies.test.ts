import { createInbox, errors, type NatsConnection } from "@nats-io/transport-node";
import { undecodableHeaders } from "../../support/undecodable-headers.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpearError } from "../../../domain/errors.js";
import { atNode, nodeAgentApi } from "../../../domain/api/node-agent.js";
import { subjects } from "../../../domain/subjects.js";
import { smsRequest } from "../../../services/api/client.js";
import { streamNames } from "../../../streams/catalog.js";
import { connectNats, type Nats } from "../../../streams/connection.js";
import { inboxRequest } from "../../../streams/inbox-request.js";
import { getDeadLetter } from "../../../streams/dead-letters.js";
import { loadRequest } from "../../../streams/invocations/load-request.js";
import { lastMatchingSeq } from "../../../streams/reader.js";
import { awaitReply } from "../../../streams/reply-inbox.js";
import { connectTest } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

// A node or a client may send a header block nats.js cannot decode (a name with a space). With
// an empty body, nats.js's own request dispatch read those headers inside the connection's read
// loop: it threw there, and the connection received nothing more until its pings found it stale.
const NODE = "hostile-1";
const servers = useServers({ nats: true, nodeIds: [NODE] });
let admin: Nats;
let scheduler: Nats;
let controlPlane: Nats;
let node: NatsConnection;
let client: NatsConnection;

/** Whether `nc` still receives: a message it publishes to itself (on an inbox, which every role may use) comes back within a second. */
async function stillReads(nc: NatsConnection): Promise<boolean> {
  const subject = createInbox();
  const sub = nc.subscribe(subject, { max: 1, timeout: 1_000 });
  nc.publish(subject, "x");
  try {
    for await (const _m of sub) return true;
    return false;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  admin = await connectTest(servers.nats.url);
  scheduler = await connectNats({ url: servers.nats.urlAs("scheduler"), name: "hostile-scheduler", longLived: true });
  controlPlane = await connectNats({ url: servers.nats.urlAs("control-plane"), name: "hostile-control-plane", longLived: true });
  node = (await connectNats({ url: servers.nats.urlAs("spearlet", NODE), name: "hostile-node", longLived: true })).nc;
  client = (await connectNats({ url: servers.nats.urlAs("client"), name: "hostile-client", longLived: true })).nc;
  // The hostile node answers its probes and its API verbs with an empty body and undecodable headers.
  for (const subject of [subjects.presence(NODE), subjects.nodeApi(NODE, "*")]) {
    node.subscribe(subject, { callback: (_e, m) => {
        if (m.reply) node.publish(m.reply, new Uint8Array(0), { headers: undecodableHeaders() });
      },
    });
  }
  await node.flush();
});

afterAll(async () => {
  for (const c of [client, node, controlPlane?.nc, scheduler?.nc, admin?.nc]) await c?.close();
});

describe("hostile replies and stored messages", () => {
  it("a presence probe answered with an empty body and undecodable headers counts as an answer, and the prober's connection keeps reading", async () => {
    const answer = await inboxRequest(scheduler.nc, subjects.presence(NODE), undefined, { timeoutMs: 2_000 });
    expect(answer.data.length).toBe(0);
    expect(await stillReads(scheduler.nc)).toBe(true);
    // Nothing listens: nats-server's own status still says so.
    await expect(inboxRequest(scheduler.nc, subjects.presence("nobody"), undefined, { timeoutMs: 2_000 })).rejects.toBeInstanceOf(errors.NoRespondersError);
  });

  it("a node API verb answered that way is a typed error, and the caller's connection keeps reading", async () => {
    const err = await smsRequest(controlPlane.nc, atNode(nodeAgentApi.stats, NODE), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpearError);
    expect((err as SpearError).code).toBe("internal");
    expect(await stillReads(controlPlane.nc)).toBe(true);
    const missing = await smsRequest(controlPlane.nc, atNode(nodeAgentApi.stats, "nobody"), {}).catch((e: unknown) => e);
    expect((missing as SpearError).code).toBe("service_unavailable");
  });

  it("a request a client stored with an empty body and undecodable headers is found as the stream's last and read back by sequence, and the reader keeps reading", async () => {
    client.publish(subjects.invoke("hostile"), new Uint8Array(0), { headers: undecodableHeaders() });
    await client.flush();
    const { seq } = await lastMatchingSeq(scheduler.jsm, streamNames.invoke, subjects.allInvokes);
    expect(seq).toBeGreaterThan(0);
    const stored = await admin.jsm.streams.getMessage(streamNames.invoke, { seq });
    expect(stored?.subject).toBe(subjects.invoke("hostile"));
    const outcome = await loadRequest(scheduler.jsm, seq);
    expect(outcome?.ok).toBe(false);
    expect(await stillReads(scheduler.nc)).toBe(true);
  });

  it("a status report a node stored that way is found as the last report, and the reader keeps reading", async () => {
    node.publish(subjects.status(NODE), new Uint8Array(0), { headers: undecodableHeaders() });
    await node.flush();
    const { seq } = await lastMatchingSeq(controlPlane.jsm, streamNames.status, subjects.allStatus);
    const stored = await admin.jsm.streams.getMessage(streamNames.status, { last_by_subj: subjects.allStatus });
    expect(seq).toBe(stored?.seq);
    expect(await stillReads(controlPlane.nc)).toBe(true);
  });

  it("a dead letter a node stored that way is read by its sequence, and the reader keeps reading", async () => {
    node.publish(subjects.dlq("assign", NODE), new Uint8Array(0), { headers: undecodableHeaders() });
    await node.flush();
    const { seq } = await lastMatchingSeq(admin.jsm, streamNames.dlq, subjects.dlq("assign", NODE));
    const letter = await getDeadLetter(controlPlane.jsm, seq);
    expect(letter.data.length).toBe(0);
    expect(await stillReads(controlPlane.nc)).toBe(true);
  });

  it("a node that learned one reply subject of a connection cannot answer another call waiting there", async () => {
    const seen = awaitReply(controlPlane.nc, 2_000);
    const other = awaitReply(controlPlane.nc, 1_000);
    const cut = seen.subject.lastIndexOf(".");
    const [prefix, token] = [seen.subject.slice(0, cut), seen.subject.slice(cut + 1)];
    // What the next and earlier subjects would be if the last token counted.
    for (const guess of [`${prefix}.${Number(token) + 1}`, `${prefix}.${Number(token) - 1}`, `${prefix}.1`, `${prefix}.2`]) node.publish(guess, "forged");
    await node.flush();
    expect(await other.reply).toBeUndefined();
    seen.close();
  });
});
