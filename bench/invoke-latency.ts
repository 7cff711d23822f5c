import { z } from "zod";
import { coreRequestReply, floorPipeline } from "./support/baselines.js";
import { LatencyHistogram } from "./support/histogram.js";
import { closedLoop, type Call } from "./support/load.js";
import { cpuDuring } from "./support/proc-stats.js";
import { defineScenario, ratio, round, type Figures } from "./support/scenario.js";
import { benchConnection, startServers } from "./support/servers.js";
import { nodesKnow, noopWasm, startStack } from "./support/stack.js";

const Params = z.strictObject({
  spearlets: z.number().int().min(1).default(2),
  slots: z.number().int().min(1).default(4),
  /** Calls before measuring, on each side (instances started, JIT warm, connections open). */
  warmupCalls: z.number().int().min(0).default(300),
  /** Measured calls per side, split over the rounds. */
  calls: z.number().int().min(1).default(3_000),
  /** Spear, core and floor take turns this many times, so drift over the run hits all three alike. */
  rounds: z.number().int().min(1).default(3),
  /** Time limit of one side's turn in one round. */
  roundMs: z.number().int().min(100).default(15_000),
  callTimeoutMs: z.number().int().min(100).default(10_000),
});

/**
 * Closed loop, one client, a warm no-op WASM function on the whole system as `spear dev` runs it,
 * next to core NATS request/reply and the floor pipeline on the same nats-server.
 */
export const invokeLatency = defineScenario({
  name: "invoke-latency",
  summary: "end-to-end sync invoke of a warm no-op WASM function (one client, closed loop) vs core NATS request/reply and the JetStream floor pipeline",
  params: Params,
  timeLimitMs: 240_000,
  async run(ctx, p) {
    const servers = await startServers(ctx, { redis: true });
    const stack = await startStack(ctx, { natsUrl: servers.natsUrl, redisUrl: servers.redisUrl, spearlets: p.spearlets, slots: p.slots });
    ctx.defer(() => stack.stop());
    const nats = await benchConnection(ctx, servers.natsUrl, "spear-bench-baselines");

    ctx.log.info("deploying the no-op function and starting the baselines");
    const deployed = await stack.client.deploy("noop", { wasm: await noopWasm(), minWarm: 1 });
    await nodesKnow(stack.client, stack.nodes, deployed.seq);
    const core = await coreRequestReply(ctx, nats, servers.natsUrl, p.callTimeoutMs);
    const floor = await floorPipeline(ctx, nats, servers.natsUrl, p.callTimeoutMs);
    // Where a Spear call's time goes, from the result's own timings (service clocks, whole ms):
    // submit → started on the node (scheduler, assignment, pickup, lease commit), the node's run,
    // and finished → answer in hand (result stored, reply sent and received).
    const stages = { queue: new LatencyHistogram(), run: new LatencyHistogram(), back: new LatencyHistogram() };
    let measuring = false;
    const sides: Record<"spear" | "core" | "floor", Call> = {
      spear: async () => {
        const r = await stack.client.invokeForResult("noop", null, { waitMs: p.callTimeoutMs });
        const received = Date.now();
        if (r.status !== "succeeded") throw new Error(`noop ${r.status}: ${r.error?.message}`);
        const t = r.timings;
        if (measuring && t.startedAt) {
          stages.queue.recordMs(Date.parse(t.startedAt) - Date.parse(t.submittedAt));
          stages.run.recordMs(t.runMs ?? 0);
          stages.back.recordMs(received - Date.parse(t.finishedAt));
        }
      },
      core: core.call,
      floor: floor.call,
    };

    for (const [name, call] of Object.entries(sides)) {
      const warm = await closedLoop({ clients: 1, maxCalls: p.warmupCalls, maxMs: 60_000, call, signal: ctx.signal });
      if (warm.errors > 0) throw new Error(`warm-up of ${name} failed: ${warm.firstError}`);
    }

    measuring = true;
    const totals = { spear: new LatencyHistogram(), core: new LatencyHistogram(), floor: new LatencyHistogram() };
    // CPU time of every process taking part, during each side's own turns only.
    const pids: Record<keyof typeof sides, Record<string, number>> = {
      spear: { ...stack.status.pids, "nats-server": servers.natsPid, "redis-server": servers.redisPid!, "bench client": process.pid },
      core: { ...core.pids, "nats-server": servers.natsPid, "bench client": process.pid },
      floor: { ...floor.pids, "nats-server": servers.natsPid, "bench client": process.pid },
    };
    const cpu = { spear: {} as Record<string, number>, core: {} as Record<string, number>, floor: {} as Record<string, number> };
    let errors = 0;
    const perRound = Math.ceil(p.calls / p.rounds);
    for (let round = 1; round <= p.rounds; round++) {
      for (const [name, call] of Object.entries(sides) as [keyof typeof sides, Call][]) {
        const { result: r, cpuMs } = await cpuDuring(pids[name], () => closedLoop({ clients: 1, maxCalls: perRound, maxMs: p.roundMs, call, signal: ctx.signal }));
        for (const [proc, ms] of Object.entries(cpuMs)) cpu[name][proc] = (cpu[name][proc] ?? 0) + ms;
        if (r.errors > 0) ctx.log.warn({ side: name, errors: r.errors, first: r.firstError }, "calls failed");
        errors += r.errors;
        totals[name].add(r.histogram);
        ctx.log.info({ round, side: name, calls: r.completed, p50: r.histogram.percentileMs(50), p99: r.histogram.percentileMs(99) }, "round done");
      }
    }

    const perCall = (side: keyof typeof sides): Figures => {
      const calls = Math.max(1, totals[side].count);
      const all = Object.values(cpu[side]).reduce((a, b) => a + b, 0);
      return {
        [`${side}.cpu_per_call.total`]: { value: round(all / calls), unit: "ms" },
        ...Object.fromEntries(Object.entries(cpu[side]).map(([proc, ms]) => [`${side}.cpu_per_call.${proc}`, { value: round(ms / calls), unit: "ms" }])),
      };
    };
    const figures: Figures = {
      ...totals.spear.figures("spear"),
      ...totals.floor.figures("floor"),
      ...totals.core.figures("core"),
      "errors": { value: errors, unit: "calls" },
      "spear.stage.submit_to_start.p50": { value: round(stages.queue.percentileMs(50)), unit: "ms" },
      "spear.stage.submit_to_start.p99": { value: round(stages.queue.percentileMs(99)), unit: "ms" },
      "spear.stage.node_run.p50": { value: round(stages.run.percentileMs(50)), unit: "ms" },
      "spear.stage.node_run.p99": { value: round(stages.run.percentileMs(99)), unit: "ms" },
      "spear.stage.finish_to_answer.p50": { value: round(stages.back.percentileMs(50)), unit: "ms" },
      "spear.stage.finish_to_answer.p99": { value: round(stages.back.percentileMs(99)), unit: "ms" },
      ...perCall("spear"),
      ...perCall("floor"),
      ...perCall("core"),
    };
    const f = (k: string) => figures[k]!;
    return {
      parameters: p,
      figures,
      ratios: {
        spear_over_floor_p50: ratio(f("spear.p50"), f("floor.p50")),
        spear_over_floor_p99: ratio(f("spear.p99"), f("floor.p99")),
        spear_over_core_p50: ratio(f("spear.p50"), f("core.p50")),
        spear_over_core_p99: ratio(f("spear.p99"), f("core.p99")),
        floor_over_core_p50: ratio(f("floor.p50"), f("core.p50")),
        spear_over_floor_cpu_per_call: ratio(f("spear.cpu_per_call.total"), f("floor.cpu_per_call.total")),
      },
    };
  },
});
