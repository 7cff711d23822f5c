import type { JetStreamClient } from "@nats-io/jetstream";
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { subjects } from "../domain/subjects.js";
import { SnapshotSource } from "../services/scheduler/snapshot-source.js";
import { streamNames } from "../streams/catalog.js";
import { lastMatchingSeq } from "../streams/reader.js";
import { registerNodes, writeReports } from "./support/cluster-load.js";
import { defineScenario, ratio, round, type Figures } from "./support/scenario.js";
import { profiled } from "./support/self-profile.js";
import { benchConnection, startServers } from "./support/servers.js";

const Params = z.strictObject({
  /** Events in the log: node registrations plus status reports. */
  events: z.number().int().min(2).default(1_000_000),
  /** Simulated nodes: one registration each; the reports go round them. */
  nodes: z.number().int().min(1).default(10_000),
  /** Reports published between two flushes. */
  inFlight: z.number().int().min(1).default(1_000),
});

/** Counts what an ordered consumer delivers from `stream` up to `lastSeq`: the raw read, nothing decoded. */
async function rawRead(js: JetStreamClient, stream: string, lastSeq: number): Promise<number> {
  if (lastSeq === 0) return 0;
  const consumer = await js.consumers.get(stream);
  const messages = await consumer.consume({ max_messages: 4_096 });
  let count = 0;
  try {
    for await (const m of messages) {
      count++;
      if (m.seq >= lastSeq) break;
    }
  } finally {
    messages.stop();
  }
  return count;
}

/**
 * Rebuilding the scheduler's runtime snapshot from scratch over a log of a million events
 * (mostly status reports of 10,000 nodes), next to a raw ordered-consumer read of the same
 * streams in the same run.
 */
export const projectionRebuild = defineScenario({
  name: "projection-rebuild",
  summary: "rebuild of the runtime snapshot (SnapshotSource) from 1,000,000 events vs a raw ordered-consumer read of the same streams",
  params: Params,
  timeLimitMs: 300_000,
  async run(ctx, p) {
    const servers = await startServers(ctx, { redis: false });
    const nats = await benchConnection(ctx, servers.natsUrl, "spear-bench-rebuild");

    const reports = p.events - p.nodes;
    if (reports < 0) throw new Error("events must be at least nodes (one registration each)");
    ctx.log.info({ nodes: p.nodes, reports }, "writing the log");
    const t0 = performance.now();
    await registerNodes(nats, p.nodes, 256, ctx.signal);
    await writeReports(nats, reports, p.nodes, p.inFlight, ctx.signal);
    const publishMs = performance.now() - t0;

    const ends = {
      events: (await lastMatchingSeq(nats.jsm, streamNames.events)).seq,
      status: (await lastMatchingSeq(nats.jsm, streamNames.status)).seq,
    };
    const inLog = ends.events + ends.status;
    const raw = async () => {
      const t = performance.now();
      const counts = await Promise.all([rawRead(nats.js, streamNames.events, ends.events), rawRead(nats.js, streamNames.status, ends.status)]);
      const ms = performance.now() - t;
      if (counts[0] + counts[1] !== inLog) throw new Error(`the raw read delivered ${counts[0] + counts[1]} messages, not ${inLog}`);
      return ms;
    };

    // The raw read runs before and after the rebuild; the faster one is the baseline.
    ctx.log.info({ events: inLog }, "raw read");
    const rawBefore = await raw();
    ctx.log.info("rebuilding the runtime snapshot");
    const quiet = ctx.log.child({ part: "snapshot" }, { level: "warn" });
    const source = new SnapshotSource(nats.js, quiet);
    ctx.defer(() => source.stop());
    const rebuildMs = await profiled(ctx, "snapshot rebuild", async () => {
      const t = performance.now();
      await source.start();
      return performance.now() - t;
    });
    const snapshotNodes = source.snapshot.table.nodes.filter((n) => n !== undefined).length;
    const foldedReports = source.usage.state.size;
    const reportsRead = source.usage.foldedCount;
    await source.stop();
    if (snapshotNodes !== p.nodes || foldedReports !== Math.min(p.nodes, reports)) {
      throw new Error(`the rebuilt snapshot holds ${snapshotNodes} nodes and ${foldedReports} reports, not ${p.nodes} and ${Math.min(p.nodes, reports)}`);
    }
    ctx.log.info("raw read again");
    const rawAfter = await raw();
    const rawMs = Math.min(rawBefore, rawAfter);

    const figures: Figures = {
      "log.events": { value: inLog, unit: "events" },
      "log.status_reports": { value: ends.status, unit: "events" },
      "log.node_events": { value: ends.events, unit: "events" },
      "log.write_rate": { value: round(inLog / (publishMs / 1000), 0), unit: "events/s" },
      "snapshot.rebuild_time": { value: round(rebuildMs / 1000, 2), unit: "s" },
      "snapshot.rebuild_rate": { value: round(inLog / (rebuildMs / 1000), 0), unit: "events/s" },
      "snapshot.nodes": { value: snapshotNodes, unit: "nodes" },
      // The latest report of each node is what the snapshot needs: the rebuild reads those alone.
      "snapshot.status_reports_read": { value: reportsRead, unit: "events" },
      "raw.read_time": { value: round(rawMs / 1000, 2), unit: "s" },
      "raw.read_rate": { value: round(inLog / (rawMs / 1000), 0), unit: "events/s" },
      "raw.read_rate_before": { value: round(inLog / (rawBefore / 1000), 0), unit: "events/s" },
      "raw.read_rate_after": { value: round(inLog / (rawAfter / 1000), 0), unit: "events/s" },
    };
    return {
      parameters: { ...p, subjects: [subjects.allStatus, subjects.allEvents] },
      figures,
      ratios: { snapshot_over_raw_rate: ratio(figures["snapshot.rebuild_rate"]!, figures["raw.read_rate"]!) },
    };
  },
});
