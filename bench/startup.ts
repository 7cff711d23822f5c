import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { applyStreams } from "../infra/nats/apply.js";
import { artifactCatalog } from "../projections/definitions/artifact-catalog.js";
import { functionCatalog } from "../projections/definitions/function-catalog.js";
import { nodeRegistry } from "../projections/definitions/node-registry.js";
import { poolIndex } from "../projections/definitions/pool-index.js";
import { sessionTable } from "../projections/definitions/session-table.js";
import type { AnyProjection } from "../projections/projection.js";
import { loadSnapshot } from "../projections/snapshots.js";
import { ProjectionWorker } from "../projections/worker.js";
import { defaultStreamSettings } from "../streams/catalog.js";
import { writeControlLog } from "./support/control-log.js";
import { defineScenario, ratio, round, scoped, type Figures } from "./support/scenario.js";
import { benchConnection, startServers } from "./support/servers.js";
import { timeToReady } from "./support/service-start.js";

const Params = z.strictObject({
  /** The two log sizes compared (control events). */
  small: z.number().int().min(100).default(10_000),
  large: z.number().int().min(100).default(1_000_000),
  historyDays: z.number().int().min(1).default(30),
  liveSessions: z.number().int().min(1).default(2_000),
  liveNodes: z.number().int().min(1).default(50),
  functions: z.number().int().min(1).default(20),
  /** Starts of each service in each mode; the fastest counts. */
  rounds: z.number().int().min(1).max(5).default(2),
  readyTimeoutMs: z.number().int().min(1_000).default(240_000),
  /** A start folding from sequence 1 that takes longer is recorded as this long, marked as cut short. */
  foldTimeoutMs: z.number().int().min(1_000).default(120_000),
});
type Params = z.infer<typeof Params>;

/** The snapshotted projections the services start from (the others are on streams with a max age). */
const snapshotted: AnyProjection[] = [nodeRegistry, functionCatalog, artifactCatalog, poolIndex, sessionTable];
const services = ["sms", "scheduler", "spearlet"] as const;
type Service = (typeof services)[number];
const modes = { snapshot: "on", fold: "off" } as const;

/** One log size on servers of its own: the log, the workers' snapshots, then every start measured. */
async function measure(ctx: Parameters<typeof scoped>[0], p: Params, events: number): Promise<{ figures: Figures; times: Record<string, number> }> {
  return scoped(ctx, async (part) => {
    const dir = join(part.tempDir, `log-${events}`);
    const servers = await startServers(part, { redis: true, dir, label: `nats-server (${events})` });
    const nats = await benchConnection(part, servers.natsUrl, "spear-bench-startup");
    await applyStreams(nats, defaultStreamSettings);
    part.log.info({ events }, "writing the control log");
    let t = performance.now();
    const { lastSeq } = await writeControlLog(nats, { events, historyDays: p.historyDays, liveSessions: p.liveSessions, liveNodes: p.liveNodes, functions: p.functions }, 2_000, part.signal);
    const writeMs = performance.now() - t;

    // The projection workers fold the log once and write the snapshots, as `spear projections run` does.
    part.log.info("projection workers folding the log and writing snapshots");
    t = performance.now();
    const quiet = part.log.child({ part: "worker" }, { level: "warn" });
    for (const proj of snapshotted) await new ProjectionWorker(nats.js, nats.jsm, proj, quiet, { untilCaughtUp: true, maxBatch: 5_000 }).run();
    const workerMs = performance.now() - t;
    let documents = 0;
    for (const proj of snapshotted) {
      const s = await loadSnapshot(nats.js, nats.jsm, proj);
      if (s.ok) documents += s.snapshot.docs.size;
    }

    const env: NodeJS.ProcessEnv = { ...process.env, SPEAR_NATS_URL: servers.natsUrl, SPEAR_REDIS_URL: servers.redisUrl, SPEAR_LOG_LEVEL: "info" };
    delete env.SPEAR_SUPERVISOR_PID;
    const logDir = join(dir, "logs");
    // A spearlet registers with the control plane before it is ready: one stays up for them.
    await timeToReady(part, { name: "sms-resident", args: ["sms"], env, logDir, timeoutMs: p.readyTimeoutMs });
    const argsOf = (s: Service, id: string): string[] =>
      s === "spearlet" ? ["spearlet", "--name", id, "--slots", "2", "--base-dir", dir, "--drain-timeout", "1s"] : [s];
    const times: Record<string, number> = {};
    const cutShort: string[] = [];
    for (const s of services) {
      for (const [mode, flag] of Object.entries(modes)) {
        let best = Number.POSITIVE_INFINITY;
        for (let r = 0; r < p.rounds; r++) {
          const name = `${s}-${mode}-${r}`;
          const limit = mode === "fold" ? p.foldTimeoutMs : p.readyTimeoutMs;
          const { ms, proc } = await timeToReady(part, { name, args: argsOf(s, `st-${mode}-${r}`), env: { ...env, SPEAR_SNAPSHOTS: flag }, logDir, timeoutMs: limit, orGiveUp: mode === "fold" });
          await proc.stop(15_000);
          if (ms === undefined) cutShort.push(`${s}.${mode}`);
          best = Math.min(best, ms ?? limit);
          part.log.info({ service: s, mode, events, ms: ms === undefined ? `over ${limit}` : Math.round(ms) }, "ready");
        }
        times[`${s}.${mode}`] = best;
      }
    }
    const figures: Figures = {
      [`log${events}.events`]: { value: lastSeq, unit: "events" },
      [`log${events}.write_rate`]: { value: round(events / (writeMs / 1000), 0), unit: "events/s" },
      [`log${events}.worker_fold_and_snapshot_time`]: { value: round(workerMs / 1000, 2), unit: "s" },
      [`log${events}.snapshot_documents`]: { value: documents, unit: "documents" },
      ...Object.fromEntries(
        Object.entries(times).map(([k, ms]) => [`log${events}.${k}_ready`, { value: round(ms / 1000, 3), unit: cutShort.includes(k) ? "s (not ready yet: stopped at the limit)" : "s" }]),
      ),
    };
    return { figures, times };
  });
}

/**
 * Time from process start to ready of the control plane, a scheduler and a spearlet over a
 * log of 10k and of 1M control events, each started from the projection workers' snapshots
 * and, as the baseline, folding the streams from sequence 1 (`--snapshots off`).
 */
export const startup = defineScenario({
  name: "startup",
  summary: "process start to ready of sms, scheduler and spearlet over 10k vs 1M control events, from snapshots vs folding from sequence 1",
  params: Params,
  timeLimitMs: 1_800_000,
  async run(ctx, p) {
    const small = await measure(ctx, p, p.small);
    const large = await measure(ctx, p, p.large);
    const ratios: Record<string, number> = {};
    for (const s of services) {
      for (const mode of Object.keys(modes)) ratios[`${s}.${mode}.large_over_small`] = ratio(large.times[`${s}.${mode}`]!, small.times[`${s}.${mode}`]!);
      ratios[`${s}.large.fold_over_snapshot`] = ratio(large.times[`${s}.fold`]!, large.times[`${s}.snapshot`]!);
    }
    return {
      parameters: { ...p, note: "snapshots written by the projection workers (in-process ProjectionWorker, as `spear projections run`) before the starts; target: large/small < 2 with snapshots" },
      figures: { ...small.figures, ...large.figures },
      ratios,
    };
  },
});
