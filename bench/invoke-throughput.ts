import type { NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";
import { NodeStatusReported } from "../domain/events/status.js";
import { subjects } from "../domain/subjects.js";
import { decodeJson } from "../streams/json.js";
import { floorPipeline } from "./support/baselines.js";
import { bullmqNoop } from "./support/bullmq-baseline.js";
import { closedLoop, rateFigures, searchSustainedRate, type Call, type RateSearch } from "./support/load.js";
import { cpuDuring } from "./support/proc-stats.js";
import { defineScenario, ratio, round, scoped, type Figures, type ScenarioContext } from "./support/scenario.js";
import { benchConnection, startServers } from "./support/servers.js";
import { nodesKnow, noopWasm, startStack } from "./support/stack.js";

const Params = z.strictObject({
  spearlets: z.number().int().min(1).default(2),
  /** Slots of each spearlet; BullMQ gets as many worker processes, each with this concurrency. */
  slots: z.number().int().min(1).default(4),
  /** The latency a rate must keep at p99 to count as sustained. */
  p99TargetMs: z.number().positive().default(50),
  startRate: z.number().positive().default(50),
  factor: z.number().min(1.05).default(2),
  /** Bisections between the last rate that held and the first that did not. */
  refineSteps: z.number().int().min(0).default(2),
  maxRate: z.number().positive().default(20_000),
  stepMs: z.number().int().min(200).default(4_000),
  /** How long unanswered calls of a step may still finish after its last start. */
  drainMs: z.number().int().min(0).default(2_000),
  /** A step that has this many calls unanswered at once stops early (and fails). */
  maxInFlight: z.number().int().min(1).default(2_000),
  /** Closed loop: this many clients each calling again as soon as answered. */
  closedClients: z.array(z.number().int().min(1)).default([8, 64]),
  closedMs: z.number().int().min(200).default(4_000),
  warmupMs: z.number().int().min(0).default(3_000),
  callTimeoutMs: z.number().int().min(100).default(10_000),
});
type Params = z.output<typeof Params>;

interface SideResult {
  readonly search: RateSearch;
  readonly closed: { clients: number; throughput: number; p50: number; p99: number; errors: number }[];
  /** CPU time per call of every process taking part, over the first closed loop. */
  readonly cpuPerCall: Record<string, number>;
}

/**
 * Warm-up, the open-loop rate search, then the closed loops (or, with `closedLoops` false, only
 * the first, for its CPU cost), for one system whose processes are `pids`.
 */
async function measure(ctx: ScenarioContext, side: string, call: Call, pids: Record<string, number>, p: Params, closedLoops: boolean): Promise<SideResult> {
  const slots = p.spearlets * p.slots;
  const warm = await closedLoop({ clients: slots, maxCalls: Number.MAX_SAFE_INTEGER, maxMs: p.warmupMs, call, signal: ctx.signal });
  if (warm.errors > 0) throw new Error(`${side}: warm-up calls failed: ${warm.firstError}`);
  const search = await searchSustainedRate({
    ...p,
    call,
    signal: ctx.signal,
    onStep: (s) =>
      ctx.log.info(
        { side, rate: s.rate, throughput: round(s.throughput, 1), p99: s.summary.p99, errors: s.errors, unfinished: s.unfinished, passed: s.passed, ...(s.firstError ? { firstError: s.firstError } : {}) },
        "open-loop step",
      ),
  });
  const closed = [];
  let cpuPerCall: Record<string, number> = {};
  const loops = closedLoops ? p.closedClients : p.closedClients.slice(0, 1);
  for (const [i, clients] of loops.entries()) {
    const { result: r, cpuMs } = await cpuDuring(pids, () => closedLoop({ clients, maxCalls: Number.MAX_SAFE_INTEGER, maxMs: p.closedMs, call, signal: ctx.signal }));
    if (i === 0) cpuPerCall = Object.fromEntries(Object.entries(cpuMs).map(([proc, ms]) => [proc, ms / Math.max(1, r.completed)]));
    const s = r.histogram.summary();
    if (closedLoops) closed.push({ clients, throughput: r.throughput, p50: s.p50, p99: s.p99, errors: r.errors });
    ctx.log.info({ side, clients, throughput: round(r.throughput, 1), p99: s.p99, errors: r.errors }, "closed loop");
  }
  return { search, closed, cpuPerCall };
}

/** The scheduler's CPU gate of the second Spear side (`--max-cpu`), off by default. */
const CPU_GATE = 90;

/** Counts the spearlets' status reports and those whose node CPU is above CPU_GATE. */
function watchReportedCpu(nc: NatsConnection): { stop(): { reports: number; overGate: number } } {
  let reports = 0;
  let overGate = 0;
  const sub = nc.subscribe(subjects.allStatus, {
    callback: (_e, m) => {
      const report = NodeStatusReported.safeParse(decodeJson(m.data));
      if (!report.success) return;
      reports++;
      if (report.data.usage.cpuPercent > CPU_GATE) overGate++;
    },
  });
  return {
    stop() {
      sub.unsubscribe();
      return { reports, overGate };
    },
  };
}

function cpuFigures(prefix: string, r: SideResult): Figures {
  const total = Object.values(r.cpuPerCall).reduce((a, b) => a + b, 0);
  return {
    [`${prefix}.cpu_per_call.total`]: { value: round(total), unit: "ms" },
    ...Object.fromEntries(Object.entries(r.cpuPerCall).map(([proc, ms]) => [`${prefix}.cpu_per_call.${proc}`, { value: round(ms), unit: "ms" }])),
  };
}

function sideFigures(prefix: string, r: SideResult, target: number): Figures {
  const out = { ...rateFigures(`${prefix}.open`, r.search), ...cpuFigures(prefix, r) };
  for (const c of r.closed) {
    out[`${prefix}.closed.${c.clients}.throughput`] = { value: round(c.throughput, 1), unit: "calls/s" };
    out[`${prefix}.closed.${c.clients}.p50`] = { value: round(c.p50), unit: "ms" };
    out[`${prefix}.closed.${c.clients}.p99`] = { value: round(c.p99), unit: "ms" };
    out[`${prefix}.closed.${c.clients}.errors`] = { value: c.errors, unit: "calls" };
  }
  const held = r.closed.filter((c) => c.errors === 0 && c.p99 <= target).map((c) => c.throughput);
  out[`${prefix}.closed.best`] = { value: round(held.length > 0 ? Math.max(...held) : 0, 1), unit: "calls/s" };
  return out;
}

/**
 * Sustained invocations per second with p99 under the target: Spear as `spear dev` runs it
 * against BullMQ on the same Redis with the same total worker concurrency, and the floor
 * pipeline's two JetStream hops, each measured with the others stopped.
 */
export const invokeThroughput = defineScenario({
  name: "invoke-throughput",
  summary: "sustained no-op invocations per second with p99 under 50 ms (open loop at rising rates, closed loop with many clients) vs BullMQ no-op jobs on the same Redis and the JetStream floor pipeline",
  params: Params,
  timeLimitMs: 300_000,
  async run(ctx, p) {
    const servers = await startServers(ctx, { redis: true });

    ctx.log.info({ workers: p.spearlets, concurrency: p.slots }, "BullMQ baseline");
    // Each system runs alone: BullMQ's workers stop before Spear starts, and each Spear stack
    // stops before the next.
    const bull = await scoped(ctx, async (part) => {
      const bull = await bullmqNoop(part, { redisUrl: servers.redisUrl, workers: p.spearlets, concurrency: p.slots, timeoutMs: p.callTimeoutMs });
      return measure(part, "bullmq", bull.call, { ...bull.pids, "redis-server": servers.redisPid!, "bench client": process.pid }, p, true);
    });
    // The floor pipeline (invoke-latency's): Spear's two JetStream hops with no logic in them, as
    // a measure of what the durable writes alone cost next to BullMQ's Redis commands.
    const floor = await scoped(ctx, async (part) => {
      const nats = await benchConnection(part, servers.natsUrl, "spear-bench-floor");
      const pipeline = await floorPipeline(part, nats, servers.natsUrl, p.callTimeoutMs);
      return measure(part, "floor", pipeline.call, { ...pipeline.pids, "nats-server": servers.natsPid, "bench client": process.pid }, p, true);
    });
    const spearSide = (side: string, serviceEnv: NodeJS.ProcessEnv, closed: boolean) =>
      scoped(ctx, async (part) => {
        ctx.log.info({ side, spearlets: p.spearlets, slots: p.slots, ...serviceEnv }, "Spear");
        const stack = await startStack(part, { natsUrl: servers.natsUrl, redisUrl: servers.redisUrl, spearlets: p.spearlets, slots: p.slots, serviceEnv, folder: side });
        part.defer(() => stack.stop());
        const deployed = await stack.client.deploy("noop", { wasm: await noopWasm(), minWarm: p.slots });
        await nodesKnow(stack.client, stack.nodes, deployed.seq);
        const pids = { ...stack.status.pids, "nats-server": servers.natsPid, "redis-server": servers.redisPid!, "bench client": process.pid };
        const reports = watchReportedCpu(stack.client.connection);
        part.defer(() => reports.stop());
        const result = await measure(part, side, () => stack.client.invoke("noop", null, { waitMs: p.callTimeoutMs }), pids, p, closed);
        return { ...result, reports: reports.stop() };
      });
    const spear = await spearSide("spear", {}, true);
    // With the scheduler's CPU gate on, nodes reporting more CPU than it take no new work; on
    // one machine every spearlet reports the same (shared) CPU, so the gate throttles them all.
    const gated = await spearSide("spear_cpu_gate_90", { SPEAR_MAX_CPU: String(CPU_GATE) }, false);

    const figures: Figures = {
      "concurrency": { value: p.spearlets * p.slots, unit: "slots" },
      ...sideFigures("spear", spear, p.p99TargetMs),
      "spear.status_reports": { value: spear.reports.reports, unit: "reports" },
      ...rateFigures("spear_cpu_gate_90.open", gated.search),
      ...cpuFigures("spear_cpu_gate_90", gated),
      "spear_cpu_gate_90.status_reports_over_gate": { value: round((100 * gated.reports.overGate) / Math.max(1, gated.reports.reports), 1), unit: "%" },
      ...sideFigures("bullmq", bull, p.p99TargetMs),
      ...sideFigures("floor", floor, p.p99TargetMs),
    };
    const f = (k: string) => figures[k]!;
    return {
      parameters: p,
      figures,
      ratios: {
        spear_over_bullmq_throughput: ratio(f("spear.open.sustained"), f("bullmq.open.sustained")),
        ...Object.fromEntries(
          p.closedClients.map((c) => [`spear_over_bullmq_closed_${c}_clients_throughput`, ratio(f(`spear.closed.${c}.throughput`), f(`bullmq.closed.${c}.throughput`))]),
        ),
        spear_cpu_gate_90_over_bullmq_throughput: ratio(f("spear_cpu_gate_90.open.sustained"), f("bullmq.open.sustained")),
        spear_over_bullmq_cpu_per_call: ratio(f("spear.cpu_per_call.total"), f("bullmq.cpu_per_call.total")),
        floor_over_bullmq_throughput: ratio(f("floor.open.sustained"), f("bullmq.open.sustained")),
        ...Object.fromEntries(
          p.closedClients.map((c) => [`floor_over_bullmq_closed_${c}_clients_throughput`, ratio(f(`floor.closed.${c}.throughput`), f(`bullmq.closed.${c}.throughput`))]),
        ),
        floor_over_bullmq_cpu_per_call: ratio(f("floor.cpu_per_call.total"), f("bullmq.cpu_per_call.total")),
        spear_over_floor_cpu_per_call: ratio(f("spear.cpu_per_call.total"), f("floor.cpu_per_call.total")),
      },
    };
  },
});
