import { DeliverPolicy, type JetStreamClient } from "@nats-io/jetstream";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { api } from "../domain/api/registry.js";
import { H } from "../domain/headers.js";
import { lastToken, subjects } from "../domain/subjects.js";
import { ServiceProcess } from "../infra/local/service-process.js";
import { smsRequest } from "../services/api/client.js";
import { streamNames } from "../streams/catalog.js";
import type { Nats } from "../streams/connection.js";
import { publishReport, registerNodes, simulatedNodeId } from "./support/cluster-load.js";
import { Helper } from "./support/helper.js";
import { LatencyHistogram } from "./support/histogram.js";
import { ProcessWatch } from "./support/proc-stats.js";
import { defineScenario, ratio, round, scoped, type Figures, type ScenarioContext } from "./support/scenario.js";
import { benchConnection, startServers } from "./support/servers.js";
import { profilingEnv } from "./support/stack.js";

const Params = z.strictObject({
  /** Fleet sizes, each measured on its own servers: the one asked for, and a smaller one for reference. */
  fleets: z.array(z.number().int().min(1)).min(1).default([10_000, 1_000]),
  /** Each node reports once per interval; the load generator spreads the nodes over it. */
  intervalMs: z.number().int().min(100).default(5_000),
  /** The control plane's heartbeat timeout (its default). */
  timeoutMs: z.number().int().min(200).default(15_000),
  /** After the control plane is ready, before measuring: its read models catch up, liveness settles. */
  settleMs: z.number().int().min(0).default(10_000),
  /** The measured window: CPU time and memory of the control plane and of the baseline consumer. */
  windowMs: z.number().int().min(1_000).default(30_000),
  /** Nodes that stop reporting at the start of the window (one a second), to time their loss. */
  stoppedNodes: z.number().int().min(1).default(5),
  /** How long past its timeout a stopped node may take to be declared lost before the wait gives up. */
  detectGraceMs: z.number().int().min(0).default(15_000),
});
type Params = z.output<typeof Params>;

/**
 * Status reports of `nodes` simulated nodes, each once per interval, spread evenly over it; a
 * silenced node sends no more. Publishes are not awaited one by one (a real fleet does not wait
 * for the others), only counted.
 */
class ReportGenerator {
  readonly #silenced = new Set<number>();
  readonly #inFlight = new Set<Promise<void>>();
  #k = 0;
  #timer?: NodeJS.Timeout;
  #started = 0;
  published = 0;
  errors = 0;
  firstError?: string;

  constructor(
    private readonly js: JetStreamClient,
    private readonly nodes: number,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.#started = performance.now();
    const tick = () => {
      const now = performance.now();
      for (;;) {
        const node = this.#k % this.nodes;
        const cycle = Math.floor(this.#k / this.nodes);
        if (this.#started + cycle * this.intervalMs + (node / this.nodes) * this.intervalMs > now) break;
        this.#k++;
        if (this.#silenced.has(node)) continue;
        const p = publishReport(this.js, node, cycle + 1).then(
          () => void this.published++,
          (e: unknown) => {
            this.errors++;
            this.firstError ??= e instanceof Error ? e.message : String(e);
          },
        );
        this.#inFlight.add(p);
        void p.finally(() => this.#inFlight.delete(p));
      }
      this.#timer = setTimeout(tick, 10);
    };
    tick();
  }

  /** The node sends nothing from now on; resolves once its reports already sent are stored. */
  async silence(node: number): Promise<void> {
    this.#silenced.add(node);
    await Promise.allSettled([...this.#inFlight]);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    await Promise.allSettled([...this.#inFlight]);
  }
}

/** Records when each NodeLost event was stored, from now on. */
async function watchLosses(nats: Nats, ctx: ScenarioContext): Promise<Map<string, Date>> {
  const lost = new Map<string, Date>();
  const consumer = await nats.js.consumers.get(streamNames.events, { filter_subjects: subjects.eventsOf("node"), deliver_policy: DeliverPolicy.New });
  const messages = await consumer.consume();
  ctx.defer(() => messages.stop());
  void (async () => {
    for await (const m of messages) if (m.headers?.get(H.eventType) === "NodeLost") lost.set(lastToken(m.subject), m.time);
  })();
  return lost;
}

/**
 * Starts `spear sms` and resolves once it says its read models have caught up ("control plane
 * ready"); whether its API then answers in time is measured, not assumed.
 */
async function startSms(ctx: ScenarioContext, natsUrl: string, p: { intervalMs: number; timeoutMs: number }, label: string): Promise<ServiceProcess> {
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const sms = new ServiceProcess({
    name: "sms",
    args: ["sms"],
    env: {
      ...process.env,
      SPEAR_NATS_URL: natsUrl,
      SPEAR_DATA_DIR: ctx.tempDir,
      SPEAR_LOG_LEVEL: "info",
      SPEAR_HEARTBEAT_INTERVAL: String(p.intervalMs),
      SPEAR_HEARTBEAT_TIMEOUT: String(p.timeoutMs),
      ...(ctx.profileDir ? profilingEnv(ctx.profileDir) : {}),
    },
    logDir: join(ctx.tempDir, "logs", label.replace(/\W+/g, "-")),
    detached: false,
    onLine: (line) => {
      if (line.includes('"msg":"control plane ready"')) ready();
    },
  });
  sms.start();
  // Profiles are written at a clean exit, which a saturated control plane takes a while to reach.
  ctx.defer(() => sms.stop(ctx.profileDir ? 30_000 : 5_000));
  ctx.labelProcess(sms.pid!, label);
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    isReady.then(() => "ready" as const),
    sms.whenExited().then(() => "exited" as const),
    new Promise<"late">((r) => (timer = setTimeout(() => r("late"), 120_000))),
  ]);
  clearTimeout(timer);
  if (outcome !== "ready") throw new Error(`spear sms ${outcome === "exited" ? "exited during start-up" : "was not ready within 120 s"}; see ${sms.logFile}`);
  return sms;
}

/** Asks the control plane for the cluster's stats every `everyMs` and records how long each answer took (a timeout counts as its limit). */
function probeApi(nats: Nats, everyMs: number, timeoutMs: number): { stop(): Promise<{ histogram: LatencyHistogram; timeouts: number }> } {
  const histogram = new LatencyHistogram();
  let timeouts = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t = performance.now();
      try {
        await smsRequest(nats.nc, api.cluster.stats, {}, { timeoutMs });
        histogram.recordMs(performance.now() - t);
      } catch {
        timeouts++;
        histogram.recordMs(timeoutMs);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { histogram, timeouts };
    },
  };
}

interface FleetResult {
  readonly figures: Figures;
  readonly ratios: Record<string, number>;
}

/** One fleet size against a fresh nats-server and a fresh `spear sms`. */
async function measureFleet(ctx: ScenarioContext, p: Params, nodes: number): Promise<FleetResult> {
  const servers = await startServers(ctx, { redis: false, dir: join(ctx.tempDir, `fleet-${nodes}`), label: `nats-server (${nodes} nodes)` });
  const nats = await benchConnection(ctx, servers.natsUrl, "spear-bench-heartbeats");

  ctx.log.info({ nodes }, "registering the nodes");
  await registerNodes(nats, nodes, 256, ctx.signal);
  const generator = new ReportGenerator(nats.js, nodes, p.intervalMs);
  generator.start();
  ctx.defer(() => generator.stop());

  ctx.log.info({ nodes }, "starting spear sms and the baseline consumer");
  const sms = await startSms(ctx, servers.natsUrl, p, `sms (${nodes} nodes)`);
  const consumer = await Helper.start("status-consumer", { natsUrl: servers.natsUrl, stream: streamNames.status, subject: subjects.allStatus }, join(ctx.tempDir, `status-consumer-${nodes}.log`));
  ctx.defer(() => consumer.stop());
  ctx.labelProcess(consumer.pid, `status-consumer (${nodes} nodes)`);
  await new Promise((r) => setTimeout(r, p.settleMs));

  ctx.log.info({ nodes, windowMs: p.windowMs }, "measuring");
  const lost = await watchLosses(nats, ctx);
  const watches = { sms: new ProcessWatch(sms.pid!), consumer: new ProcessWatch(consumer.pid), nats: new ProcessWatch(servers.natsPid) };
  for (const w of Object.values(watches)) w.start();
  const probe = probeApi(nats, 1_000, 5_000);
  const publishedBefore = generator.published;
  const t0 = performance.now();
  const stopped: number[] = [];
  for (let i = 0; i < p.stoppedNodes; i++) {
    await generator.silence(Math.floor(((i + 0.5) * nodes) / p.stoppedNodes));
    stopped.push(Math.floor(((i + 0.5) * nodes) / p.stoppedNodes));
    if (i < p.stoppedNodes - 1) await new Promise((r) => setTimeout(r, 1_000));
  }
  const silencedAt = performance.now();
  await new Promise((r) => setTimeout(r, Math.max(0, p.windowMs - (performance.now() - t0))));
  const used = { sms: watches.sms.stop(), consumer: watches.consumer.stop(), nats: watches.nats.stop() };
  const apiAnswers = await probe.stop();
  const reportRate = (generator.published - publishedBefore) / ((performance.now() - t0) / 1000);
  if (generator.errors > 0) ctx.log.warn({ errors: generator.errors, first: generator.firstError }, "some reports could not be published");

  // A stopped node should be declared lost within the window; if not, wait for it (bounded).
  const detectBy = silencedAt + p.timeoutMs + p.detectGraceMs;
  while (stopped.some((n) => !lost.has(simulatedNodeId(n))) && performance.now() < detectBy && !ctx.signal.aborted) {
    await new Promise((r) => setTimeout(r, 250));
  }
  const detection = new LatencyHistogram();
  for (const node of stopped) {
    const id = simulatedNodeId(node);
    const at = lost.get(id);
    const last = await nats.jsm.direct.getMessage(streamNames.status, { last_by_subj: subjects.status(id) });
    if (at && last) detection.recordMs(at.getTime() - last.time.getTime());
  }
  await generator.stop();
  const spurious = [...lost.keys()].filter((id) => !stopped.some((n) => simulatedNodeId(n) === id)).length;
  const d = detection.summary();

  const n = `n${nodes}`;
  const figures: Figures = {
    [`${n}.reports.rate`]: { value: round(reportRate, 0), unit: "reports/s" },
    [`${n}.reports.errors`]: { value: generator.errors, unit: "reports" },
    [`${n}.sms.cpu`]: { value: round(used.sms.cpuPercent, 1), unit: "% of a core" },
    [`${n}.sms.rss`]: { value: round(used.sms.rssMb, 1), unit: "MiB" },
    [`${n}.sms.rss_peak`]: { value: round(used.sms.peakRssMb, 1), unit: "MiB" },
    [`${n}.consumer.cpu`]: { value: round(used.consumer.cpuPercent, 1), unit: "% of a core" },
    [`${n}.consumer.rss`]: { value: round(used.consumer.rssMb, 1), unit: "MiB" },
    [`${n}.nats_server.cpu`]: { value: round(used.nats.cpuPercent, 1), unit: "% of a core" },
    [`${n}.sms.api.p50`]: { value: round(apiAnswers.histogram.percentileMs(50)), unit: "ms" },
    [`${n}.sms.api.max`]: { value: round(apiAnswers.histogram.summary().max), unit: "ms" },
    [`${n}.sms.api.timeouts`]: { value: apiAnswers.timeouts, unit: "requests" },
    ...(d.count > 0
      ? {
          [`${n}.lost.detection.p50`]: { value: round(d.p50), unit: "ms" },
          [`${n}.lost.detection.max`]: { value: round(d.max), unit: "ms" },
        }
      : {}),
    [`${n}.lost.detected`]: { value: d.count, unit: "nodes" },
    [`${n}.lost.stopped`]: { value: stopped.length, unit: "nodes" },
    [`${n}.lost.spurious`]: { value: spurious, unit: "nodes" },
  };
  const f = (k: string) => figures[`${n}.${k}`]!;
  return {
    figures,
    ratios: {
      [`${n}.sms_over_consumer_cpu`]: ratio(f("sms.cpu"), f("consumer.cpu")),
      [`${n}.sms_over_consumer_rss`]: ratio(f("sms.rss"), f("consumer.rss")),
      ...(d.count > 0
        ? {
            [`${n}.lost_detection_p50_over_timeout`]: ratio(f("lost.detection.p50"), p.timeoutMs),
            [`${n}.lost_detection_max_over_timeout`]: ratio(f("lost.detection.max"), p.timeoutMs),
          }
        : {}),
    },
  };
}

/**
 * Simulated nodes registered through events and reporting every 5 s against a real `spear sms`
 * process: its CPU time and memory next to a bare consumer of the same reports, and how long a
 * node that stops reporting takes to be declared lost. At 10,000 nodes, and at a smaller fleet
 * for reference.
 */
export const heartbeatScale = defineScenario({
  name: "heartbeat-scale",
  summary: "10,000 simulated nodes reporting every 5 s: the control plane's CPU and memory vs a bare consumer of the reports, and the time to declare a stopped node lost",
  params: Params,
  timeLimitMs: 300_000,
  async run(ctx, p) {
    const figures: Figures = { "lost.timeout": { value: p.timeoutMs, unit: "ms" } };
    const ratios: Record<string, number> = {};
    for (const nodes of p.fleets) {
      const r = await scoped(ctx, (part) => measureFleet(part, p, nodes));
      Object.assign(figures, r.figures);
      Object.assign(ratios, r.ratios);
    }
    return { parameters: p, figures, ratios };
  },
});
