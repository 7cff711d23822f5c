import type { Subscription } from "@nats-io/transport-node";
import type { Tracer } from "@opentelemetry/api";
import { mkdirSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import { ARTIFACT_BUCKET } from "../../../domain/api/artifacts.js";
import { atNode, nodeAgentApi, type NodeHealth, type NodeStats, type SpearletState } from "../../../domain/api/node-agent.js";
import { SpearError } from "../../../domain/errors.js";
import { versionTimeouts } from "../../../domain/function/view.js";
import { subjects } from "../../../domain/subjects.js";
import type { NodeCapabilities, NodeCapacity } from "../../../domain/events/node.js";
import type { RuntimeKind } from "../../../domain/ids.js";
import type { StreamSettings } from "../../../streams/catalog.js";
import type { Nats } from "../../../streams/connection.js";
import { Reconnects } from "../../../streams/reconnects.js";
import { throughOutages } from "../../../streams/through-outages.js";
import { liveLeaseWindowMs, LONGEST_LEASE_WINDOW_MS } from "../../leases/lease.js";
import { LeaseStore } from "../../leases/lease-store.js";
import { serveRoutes } from "../../api/router.js";
import { readFrom } from "../../metrics/registry.js";
import { BinaryCache } from "../binaries/binary-cache.js";
import { objectStoreFetcher } from "../binaries/object-store-fetcher.js";
import { ConcurrencyController } from "../concurrency/controller.js";
import { nodeMemoryPercent } from "../pool/node-memory.js";
import { PoolManager } from "../pool/pool-manager.js";
import { AssignmentConsumer } from "./assignment-consumer.js";
import { ConsumerFloorFile } from "./consumer-floor.js";
import { AssignmentRunner } from "./assignment-runner.js";
import { nodeIdOf, type SpearletConfig } from "./config.js";
import { NodeCounters } from "./node-counters.js";
import { PoolSync } from "./pool-sync.js";
import { Registration } from "./registration.js";
import { availableRuntimes, closeRuntimes, isolationGaps } from "./runtimes.js";
import { StatusReporter } from "./status-reporter.js";
import { TaskRefCache } from "./task-refs.js";
import { UsageSampler } from "./usage-sampler.js";

export interface SpearletOptions {
  readonly nats: Nats;
  readonly redisUrl: string;
  readonly config: SpearletConfig;
  readonly streams: StreamSettings;
  readonly log: Logger;
  /** A stop asked for while the node is still starting (it may be waiting for NATS). */
  readonly signal?: AbortSignal;
  /** Start the TaskRef cache from the function catalog's snapshot. */
  readonly snapshots?: boolean;
  /** Set when spans are exported (`OTEL_EXPORTER_OTLP_ENDPOINT`): each assignment gets a `run` span. */
  readonly tracer?: Tracer | undefined;
}

export interface DrainSummary {
  /** Every call running at the stop finished before the drain deadline. */
  readonly finished: boolean;
  /** Calls still running at the deadline, handed back to run elsewhere. */
  readonly abandoned: number;
  /** Every assignment for this node was delivered and acknowledged (run or handed back). */
  readonly caughtUp: boolean;
  /** The control plane recorded the node as drained. */
  readonly markedDrained: boolean;
}

export interface Spearlet {
  readonly nodeId: string;
  readonly state: SpearletState;
  readonly capabilities: NodeCapabilities;
  /** Settles once the node is registered (or registration was refused or stopped). */
  readonly registration: Promise<void>;
  stats(): NodeStats;
  health(): NodeHealth;
  /**
   * Graceful stop: takes no new assignment (those delivered are handed back), lets running
   * calls finish until the drain timeout (handing back the rest), marks the node drained,
   * sends a final report and closes everything. Calling it again returns the same promise.
   */
  drain(): Promise<DrainSummary>;
}

const MIB = 1_048_576;
/** How long a drain at least keeps handing back what is still queued for the node after its calls ended. */
const BACKLOG_GRACE_MS = 5_000;
/** How long a drain that has nothing left to do still tries to mark the node drained. */
const MARK_GRACE_MS = 2_000;

/**
 * Starts a spearlet on a NATS connection: runtimes, binary cache, pools, admission control,
 * the TaskRef cache (prewarming active versions), the assignment consumer, batched status
 * reports, the node's stats and health verbs, and the node's registration (retried until the
 * control plane answers).
 */
export async function startSpearlet(o: SpearletOptions): Promise<Spearlet> {
  const { nats, config } = o;
  const nodeId = nodeIdOf(config);
  const log = o.log.child({ nodeId });
  const startedAt = Date.now();
  let state: SpearletState = "starting";

  const nodeDir = resolve(config.dataDir, "spearlet", nodeId);
  mkdirSync(nodeDir, { recursive: true, mode: 0o700 });

  const runtimes = await availableRuntimes({
    nodeId,
    wanted: config.runtimes,
    nodeDir,
    baseDir: resolve(config.baseDir),
    containerCpus: config.containerCpus,
    isolation: config.isolation,
    wasmSpareWorkers: config.wasmSpareWorkers,
    dockerSocket: config.dockerSocket,
    log,
  });
  const kinds = Object.keys(runtimes) as RuntimeKind[];
  const gaps = isolationGaps(runtimes);
  if (kinds.length === 0) throw new SpearError("invalid_config", `none of the runtimes asked for (${config.runtimes.join(", ")}) is available on this node`);
  const capabilities: NodeCapabilities = { runtimes: kinds, services: config.services, languages: config.languages, labels: config.labels };
  const capacity: NodeCapacity = { slots: config.slots, cpuCores: availableParallelism(), memoryMb: Math.floor(totalmem() / MIB) };

  const leases = new LeaseStore({ url: o.redisUrl, log, name: `spear-spearlet-${nodeId}` });
  leases.ready().catch((e: unknown) => log.warn({ err: e }, "Redis is not reachable yet; assignments wait for it"));
  const binaries = new BinaryCache({ dir: join(nodeDir, "binaries"), fetch: objectStoreFetcher(nats.js, ARTIFACT_BUCKET), log });
  const usage = new UsageSampler();
  const counters = new NodeCounters();
  // The reporter reads the runner's and the pools' state when it reports (the manager exists by then).
  let runner: AssignmentRunner | undefined;
  let manager!: PoolManager;
  const reporter = new StatusReporter({
    js: nats.js,
    nodeId,
    heartbeatMs: config.heartbeat,
    flushMs: config.reportFlush,
    maxItems: config.reportMax,
    // A report may go out (prewarm transitions) before the runner exists.
    usage: () => ({ ...usage.sample(), running: runner?.running ?? 0, slots: config.slots }),
    instances: () => manager.summary(),
    log,
  });
  manager = new PoolManager({
    nodeId,
    runtimes,
    binaries: (spec) => (spec.artifact ? binaries.acquire(spec.artifact, spec.runtime) : Promise.resolve(undefined)),
    memoryPercent: nodeMemoryPercent,
    onTransition: (e) => reporter.addTransition(e),
    logger: log,
  });
  const controller = new ConcurrencyController({ global: config.slots, adaptive: { enabled: config.adaptiveConcurrency } });
  const pools = new PoolSync({ manager, controller, capabilities, log });
  const taskRefs = new TaskRefCache(nats.js, log, o.snapshots ?? false);
  taskRefs.onChange((before, after) => pools.apply(before, after));
  await taskRefs.start();
  manager.start();

  const consumer = new AssignmentConsumer({
    js: nats.js,
    jsm: nats.jsm,
    nodeId,
    slots: config.slots,
    ackWaitMs: config.ackWait,
    // The pickup timeout is the schedulers'; the window's start slack covers it.
    replayWindowMs: () => liveLeaseWindowMs(versionTimeouts(taskRefs.state.values()), { pickupTimeoutMs: 0, maxMs: LONGEST_LEASE_WINDOW_MS }),
    floorFile: new ConsumerFloorFile(join(nodeDir, "assignment-floor.json")),
    log,
  });
  const replayUpTo = await consumer.reset(o.signal);
  const reconnects = new Reconnects(nats.nc);
  const assignments = new AssignmentRunner({
    nodeId,
    nc: nats.nc,
    reconnects,
    js: nats.js,
    jsm: nats.jsm,
    leases,
    taskRefs,
    manager,
    controller,
    pools,
    reporter,
    counters,
    commitGraceMs: config.commitGrace,
    versionWaitMs: config.versionWait,
    ackWaitMs: config.ackWait,
    retryDelayMs: config.retryDelay,
    replayUpTo,
    log,
    tracer: o.tracer,
  });
  runner = assignments;
  consumer.start((m) => assignments.handle(m));
  reporter.start();

  const registration = new Registration(nats.nc, { nodeId, name: config.name, capabilities, capacity }, log);
  const registered = registration.start();

  const stats = (): NodeStats => {
    const b = binaries.stats();
    const u = usage.peek();
    return {
      nodeId,
      taskCount: [...taskRefs.state.values()].filter((f) => !f.deleted).length,
      taskRefSeq: taskRefs.seq,
      executionCount: counters.executions,
      running: assignments.running,
      slots: config.slots,
      succeeded: counters.succeeded,
      failed: counters.failed,
      handedBack: counters.handedBack,
      fenced: counters.fenced,
      averageResponseMs: counters.averageResponseMs,
      artifactCount: b.artifacts,
      instanceCount: manager.instanceCount(),
      binaries: { references: b.references, fetches: b.fetches, compiles: b.compiles, evictions: b.evictions },
      uptimeMs: Date.now() - startedAt,
      memoryMb: u.memoryMb,
      memoryPercent: u.memoryPercent,
      processMemoryMb: Math.round((process.memoryUsage().rss / MIB) * 100) / 100,
      cpuPercent: u.cpuPercent,
    };
  };
  const health = (): NodeHealth => {
    const u = usage.peek();
    return {
      nodeId,
      // Without Redis no call can start here (its lease cannot be committed).
      healthy: state === "serving" && registration.registered && leases.reachable,
      state,
      registered: registration.registered,
      runtimes: kinds,
      uptimeMs: Date.now() - startedAt,
      running: assignments.running,
      slots: config.slots,
      memoryMb: u.memoryMb,
      cpuPercent: u.cpuPercent,
      isolationGaps: gaps,
    };
  };
  const subscriptions: Subscription[] = serveRoutes(
    nats.nc,
    [
      { endpoint: atNode(nodeAgentApi.stats, nodeId), handle: async () => stats() },
      { endpoint: atNode(nodeAgentApi.health, nodeId), handle: async () => health() },
    ],
    { queue: `spearlet-${nodeId}`, log },
  );
  // The cheapest answer there is: schedulers ask it many times a second to see that this process lives.
  subscriptions.push(nats.nc.subscribe(subjects.presence(nodeId), { callback: (_err, m) => void m.respond() }));
  // Serving means its stats and health answer: the server has the subscriptions once it answers the flush.
  await throughOutages("flush the node's subscriptions", () => nats.nc.flush(), { log, signal: o.signal });

  // A reconnect may have missed function events: fold the catalog again from the start.
  reconnects.each(() => void taskRefs.resync().catch((e: unknown) => log.warn({ err: e }, "TaskRef resync failed; the live feed goes on")));

  const unwatched = watchNode({ slots: config.slots, running: () => assignments.running, fenced: () => counters.fenced, manager, binaries, usage });
  state = "serving";
  log.info({ runtimes: kinds, slots: config.slots, services: config.services, languages: config.languages, taskRefSeq: taskRefs.seq }, "spearlet serving");

  let draining: Promise<DrainSummary> | undefined;
  const drain = async (): Promise<DrainSummary> => {
    state = "draining";
    const deadline = Date.now() + config.drainTimeout;
    log.info({ running: assignments.running, drainTimeout: config.drainTimeout }, "draining: no new assignments; running calls finish");
    assignments.startDraining();
    pools.stopPrewarming();
    await registration.stop();
    const marking = new AbortController();
    const marked = registration.markDrained(deadline, marking.signal);
    await reporter.setDraining();
    const finished = await assignments.settle(deadline);
    const abandoned = finished ? 0 : await assignments.abandonRunning();
    if (abandoned > 0) log.warn({ abandoned }, "drain deadline passed: calls still running were handed back");
    // Nothing starts any more: closing the pools now also ends the calls just handed back.
    await manager.close();
    await closeRuntimes(runtimes);
    // What is still queued for this node (delivered or not) is handed back by the runner as it
    // comes: until the drain deadline, and at least a short while after the last call ended.
    const backlogUntil = Math.max(deadline, Date.now() + BACKLOG_GRACE_MS);
    let caughtUp = false;
    while (!(caughtUp = await consumer.caughtUp().catch(() => false)) && Date.now() < backlogUntil) await new Promise((r) => setTimeout(r, 100));
    await consumer.stop();
    // Everything is handed back or done: a control plane still not answering is not waited for
    // to the drain deadline (liveness will say the node is gone).
    const giveUp = setTimeout(() => marking.abort(), MARK_GRACE_MS);
    const markedDrained = await marked;
    clearTimeout(giveUp);
    await reporter.stop();
    reconnects.stop();
    await Promise.all(subscriptions.map((s) => s.drain().catch(() => s.unsubscribe())));
    await taskRefs.stop();
    binaries.close();
    await leases.close();
    unwatched();
    state = "stopped";
    const summary = { finished, abandoned, caughtUp, markedDrained };
    log.info(summary, "spearlet stopped");
    return summary;
  };

  return {
    nodeId,
    get state() {
      return state;
    },
    capabilities,
    registration: registered,
    stats,
    health,
    drain: () => (draining ??= drain()),
  };
}

/** The node's gauges, read at each scrape; the function returned stops that. */
function watchNode(n: { slots: number; running: () => number; fenced: () => number; manager: PoolManager; binaries: BinaryCache; usage: UsageSampler }): () => void {
  const stops = [
    readFrom("spear_spearlet_slots", () => n.slots),
    readFrom("spear_spearlet_slots_in_use", n.running),
    readFrom("spear_spearlet_fenced_total", n.fenced),
    readFrom("spear_spearlet_instances", () => n.manager.instanceStates().map((i) => ({ labels: { function: i.function, state: i.state }, value: i.count }))),
    readFrom("spear_spearlet_binaries", () => n.binaries.stats().artifacts),
    readFrom("spear_spearlet_binary_cache_bytes", () => n.binaries.stats().bytes),
    readFrom("spear_spearlet_node_cpu_ratio", () => n.usage.peek().cpuPercent / 100),
    readFrom("spear_spearlet_node_memory_ratio", () => n.usage.peek().memoryPercent / 100),
  ];
  return () => stops.forEach((stop) => stop());
}
