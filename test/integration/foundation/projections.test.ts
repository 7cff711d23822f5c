import { headers } from "@nats-io/transport-node";
import { undecodableHeaders } from "../../support/undecodable-headers.js";
import { statusReport } from "../../../bench/support/cluster-load.js";
import { subjects } from "../../../domain/subjects.js";
import { nodeUsage } from "../../../projections/definitions/node-usage.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { H } from "../../../domain/headers.js";
import { MemoryHost } from "../../../projections/memory-host.js";
import { rebuildProjection } from "../../../projections/rebuild.js";
import { loadDocuments, openReadModel, readCheckpoint } from "../../../projections/read-model.js";
import { projectionStatus } from "../../../projections/status.js";
import { ProjectionWorker } from "../../../projections/worker.js";
import { streamNames } from "../../../streams/catalog.js";
import type { Nats } from "../../../streams/connection.js";
import { decodeText, encodeJson } from "../../../streams/json.js";
import { lastMatchingSeq, readStream } from "../../../streams/reader.js";
import { envelopeOfBlock, envelopeOfHeaders } from "../../../streams/envelope-headers.js";
import { headerBlock } from "../../../streams/header-block.js";
import { publishStatusReport } from "../../../streams/status-reports.js";
import { connectTest, eventually, testLog } from "../../support/nats.js";
import { appendDrains, drainsPerNode } from "../../support/projections.js";
import { useServers } from "../../support/servers.js";

const servers = useServers({ nats: true });
let nats: Nats;

beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
});
afterAll(async () => nats?.nc.close());

const sorted = <D>(m: ReadonlyMap<string, D>) => [...m].sort(([a], [b]) => a.localeCompare(b));
const without = <D>(m: ReadonlyMap<string, D>, key: string) => sorted(new Map([...m].filter(([k]) => k !== key)));

describe("projections", () => {
  it("a rebuild from scratch over 10,000 events equals the live in-memory projection", async () => {
    const live = new MemoryHost(nats.js, drainsPerNode, testLog);
    await live.start();
    const swaps: number[] = [];
    live.subscribe((_s, seq) => swaps.push(seq));
    const lastSeq = await appendDrains(nats, 10_000, 250);
    await eventually(() => (live.lastSeq >= lastSeq ? true : undefined), 30_000);
    expect(swaps.length).toBeGreaterThan(0);
    const total = [...live.state.values()].reduce((n, d) => n + d.drains, 0);
    expect(total).toBe(10_000);

    const progress = await rebuildProjection(nats.js, nats.jsm, drainsPerNode, testLog);
    expect(progress.checkpoint).toBe(lastSeq);
    const kv = await openReadModel(nats.js, drainsPerNode, 1);
    const rebuilt = await loadDocuments(kv);
    expect(sorted(rebuilt)).toEqual(sorted(live.state));

    const fresh = new MemoryHost(nats.js, drainsPerNode, testLog);
    await fresh.start();
    expect(sorted(fresh.state)).toEqual(sorted(live.state));
    await Promise.all([live.stop(), fresh.stop()]);
  });

  it("dead-letters a poison event with its reason and goes on applying later events", async () => {
    const before = await appendDrains(nats, 3, 3, "pz-before-");
    // Poison 1: not JSON at all. Poison 2: valid event that evolve refuses.
    const h = headers();
    h.set(H.eventType, "NodeDrained");
    h.set(H.schemaVersion, "1");
    h.set(H.aggregateType, "node");
    h.set(H.aggregateId, "pz-bad");
    h.set(H.eventId, "pz-bad-1");
    h.set(H.occurredAt, new Date().toISOString());
    const bad = await nats.js.publish("spear.evt.node.pz-bad", "{not json", { headers: h, msgID: "pz-bad-1" });
    const refused = await nats.js.publish("spear.evt.node.pz-refused", encodeJson({ reason: "poison-in-evolve" }), {
      headers: (() => {
        const r = headers();
        for (const [k, v] of h) r.set(k, v[0]!);
        r.set(H.aggregateId, "pz-refused");
        r.set(H.eventId, "pz-refused-1");
        return r;
      })(),
      msgID: "pz-refused-1",
    });
    const after = await appendDrains(nats, 3, 3, "pz-after-");
    expect(after).toBeGreaterThan(before);

    const worker = new ProjectionWorker(nats.js, nats.jsm, drainsPerNode, testLog, { untilCaughtUp: true });
    const progress = await worker.run();
    expect(progress.poison).toBe(2);
    expect(progress.checkpoint).toBe(after);

    const kv = await openReadModel(nats.js, drainsPerNode, 1);
    const docs = await loadDocuments<{ drains: number }>(kv);
    expect(docs.get("pz-after-0")?.drains).toBe(1);
    expect(docs.has("pz-bad")).toBe(false);
    expect(docs.has("pz-refused")).toBe(false);

    const dead = [];
    for await (const m of readStream(nats.js, streamNames.dlq, { filter: `spear.dlq.projection.${drainsPerNode.name}` })) dead.push(m);
    expect(dead).toHaveLength(2);
    expect(dead[0]!.headers?.get(H.dlqCode)).toBe("invalid_event");
    expect(dead[0]!.headers?.get(H.dlqSource)).toBe(`SPEAR_EVENTS#${bad.seq} spear.evt.node.pz-bad`);
    expect(decodeText(dead[0]!.data)).toBe("{not json");
    expect(dead[1]!.headers?.get(H.dlqReason)).toMatch(/this reason is not allowed/);
    expect(dead[1]!.headers?.get(H.dlqSource)).toContain(`#${refused.seq}`);

    const status = await projectionStatus(nats.js, nats.jsm, drainsPerNode);
    expect(status.checkpoint).toBe(after);
    expect(status.lag).toBe(0);
  });

  it("a worker resumes at its checkpoint and refuses a second worker on the same projection", async () => {
    const kv = await openReadModel(nats.js, drainsPerNode, 1);
    const start = await readCheckpoint(kv);
    const worker = new ProjectionWorker(nats.js, nats.jsm, drainsPerNode, testLog, { lockTtlMs: 5_000 });
    const running = worker.run();
    const second = new ProjectionWorker(nats.js, nats.jsm, drainsPerNode, testLog, { lockTtlMs: 5_000 });
    await eventually(async () => ((await projectionStatus(nats.js, nats.jsm, drainsPerNode)).owner ? true : undefined));
    await expect(second.run()).rejects.toMatchObject({ code: "projection_locked" });
    const last = await appendDrains(nats, 50, 5, "resume-");
    await eventually(async () => ((await readCheckpoint(kv)) >= last ? true : undefined));
    worker.stop();
    const progress = await running;
    expect(progress.applied).toBe(50);
    expect(progress.checkpoint).toBeGreaterThan(start);
    const docs = await loadDocuments<{ drains: number }>(kv);
    expect(docs.get("resume-0")?.drains).toBe(10);
  });

  it("reads the envelope from a delivered message's header block, and skips a status report whose headers cannot be decoded", async () => {
    const report = (nodeId: string) => publishStatusReport(nats.js, nodeId, statusReport(1, 1));
    await report("hb-before");
    // What a hostile spearlet can publish on its own subject: nats-server stores it, nats.js cannot decode its headers.
    await nats.js.publish(subjects.status("hb-bad"), encodeJson(statusReport(2, 1)), { headers: undecodableHeaders() });
    const last = (await report("hb-after")).seq;

    for await (const m of readStream(nats.js, streamNames.status, { filter: subjects.status("hb-after") })) {
      const block = headerBlock(m);
      expect(block).toBeDefined();
      expect(envelopeOfBlock(block!)).toEqual(envelopeOfHeaders(m.headers));
    }
    const host = new MemoryHost(nats.js, nodeUsage, testLog);
    await host.start();
    expect(host.lastSeq).toBeGreaterThanOrEqual(last);
    expect(host.state.has("hb-before") && host.state.has("hb-after")).toBe(true);
    expect(host.state.has("hb-bad")).toBe(false);
    await host.stop();
  });

  it("rebuilds the latest report of every node from the last report per subject, equal to the fold of every report, and follows new ones", async () => {
    const nodes = 20;
    let last = 0;
    for (let round = 1; round <= 5; round++) {
      for (let i = 0; i < nodes; i++) last = (await publishStatusReport(nats.js, `lps-${i}`, statusReport(i, round))).seq;
    }
    // A hostile node's last report, whose headers nats.js cannot decode: skipped by every reader.
    // Read from each subject's last report, that node has none (the full fold keeps the one before).
    await publishStatusReport(nats.js, "hostile-lps", statusReport(0, 1));
    await nats.js.publish(subjects.status("hostile-lps"), encodeJson(statusReport(0, 2)), { headers: undecodableHeaders() });
    last = (await publishStatusReport(nats.js, `lps-0`, statusReport(0, 5))).seq;
    const delivered: { subject: string; seq: number }[] = [];
    for await (const m of readStream(nats.js, streamNames.status, { filter: subjects.allStatus, lastPerSubject: true })) delivered.push({ subject: m.subject, seq: m.seq });
    const ours = delivered.filter((d) => d.subject.startsWith(subjects.status("lps-")));
    expect(ours).toHaveLength(nodes);
    expect(new Set(ours.map((d) => d.subject)).size).toBe(nodes);
    expect(delivered.at(-1)?.seq).toBe(last);

    // The same view folded from every report (a projection without the flag reads them all).
    const everyReport = new MemoryHost(nats.js, { ...nodeUsage, latestPerSubject: false }, testLog);
    const lastPerSubject = new MemoryHost(nats.js, nodeUsage, testLog);
    await Promise.all([everyReport.start(), lastPerSubject.start()]);
    expect(lastPerSubject.lastSeq).toBe(last);
    expect(sorted(lastPerSubject.state)).toEqual(without(everyReport.state, "hostile-lps"));
    expect(Array.from({ length: nodes }, (_, i) => lastPerSubject.state.get(`lps-${i}`)?.reportSeq)).toEqual(Array(nodes).fill(5));

    // The worker's rebuild reads the same reports, so it writes the same documents; the report
    // it cannot read is dead-lettered, not a reason to stop.
    const rebuilt = await rebuildProjection(nats.js, nats.jsm, nodeUsage, testLog);
    expect(rebuilt.checkpoint).toBe(last);
    expect(rebuilt.poison).toBeGreaterThanOrEqual(1);
    expect(rebuilt.applied + rebuilt.poison).toBe(delivered.length);
    expect(sorted(await loadDocuments(await openReadModel(nats.js, nodeUsage, 1)))).toEqual(without(everyReport.state, "hostile-lps"));

    const newer = (await publishStatusReport(nats.js, "lps-3", statusReport(3, 6))).seq;
    await eventually(() => (lastPerSubject.lastSeq >= newer && everyReport.lastSeq >= newer ? true : undefined), 10_000);
    expect(lastPerSubject.state.get("lps-3")?.reportSeq).toBe(6);
    expect(sorted(lastPerSubject.state)).toEqual(without(everyReport.state, "hostile-lps"));
    await Promise.all([everyReport.stop(), lastPerSubject.stop()]);

    // The stream's last report unreadable: the end of the log is still found, and a host starts.
    const hostileLast = (await nats.js.publish(subjects.status("hostile-lps"), encodeJson(statusReport(0, 3)), { headers: undecodableHeaders() })).seq;
    expect((await lastMatchingSeq(nats.jsm, streamNames.status, subjects.allStatus)).seq).toBe(hostileLast);
    const afterHostile = new MemoryHost(nats.js, nodeUsage, testLog);
    await afterHostile.start();
    expect(afterHostile.lastSeq).toBe(hostileLast);
    await afterHostile.stop();
  });
});

