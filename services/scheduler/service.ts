import type { Tracer } from "@opentelemetry/api";
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { versionTimeouts } from "../../domain/function/view.js";
import type { NodeView } from "../../domain/node/view.js";
import { PolicyState } from "../../domain/scheduling/index.js";
import type { StreamSettings } from "../../streams/catalog.js";
import type { Nats } from "../../streams/connection.js";
import { EventStore } from "../../streams/event-store.js";
import { Reconnects } from "../../streams/reconnects.js";
import { liveLeaseWindowMs } from "../leases/lease.js";
import { LeaseStore } from "../leases/lease-store.js";
import type { SchedulerConfig } from "./config.js";
import { Dispatcher, type DispatcherStats } from "./dispatcher.js";
import { LeaseRecovery } from "./lease-recovery.js";
import { NodePresence } from "./node-presence.js";
import { SchedulerOutcomes } from "./outcomes.js";
import { Reaper } from "./reaper.js";
import { ResultRecorder } from "./result-recorder.js";
import { SnapshotSource } from "./snapshot-source.js";

export interface SchedulerOptions {
  /** A long-lived connection the caller owns (one per replica). */
  readonly nats: Nats;
  readonly redisUrl: string;
  readonly streams: StreamSettings;
  readonly config: SchedulerConfig;
  readonly log: Logger;
  /** A stop asked for while the replica is still starting (it may be waiting for NATS). */
  readonly signal?: AbortSignal;
  /** Start the runtime snapshot's projections from their read model snapshots. */
  readonly snapshots?: boolean;
  /** Set when spans are exported (`OTEL_EXPORTER_OTLP_ENDPOINT`): each placement gets a `place` span. */
  readonly tracer?: Tracer | undefined;
}

export interface RunningScheduler {
  readonly id: string;
  stats(): DispatcherStats & { readonly retried: number; readonly snapshots: number; readonly recorded: number; readonly recordsRefused: number };
  /** Whether Redis answers (no call can be placed without it). */
  readonly redisReachable: boolean;
  stop(): Promise<void>;
}

/**
 * One scheduler replica: any number share the request consumer. Start-up order matters: the
 * snapshot is built from the log and the lease state checked (rebuilt if Redis lost it) before
 * the first request is taken.
 */
export async function startScheduler(o: SchedulerOptions): Promise<RunningScheduler> {
  const id = `scheduler-${randomUUID().slice(0, 8)}`;
  const log = o.log.child({ scheduler: id });
  const { nats } = o;
  const leases = new LeaseStore({ url: o.redisUrl, log, name: id });
  const source = new SnapshotSource(nats.js, log, o.snapshots ?? false);
  const knownFunction = (name: string) => source.functions.state.has(name);
  const outcomes = new SchedulerOutcomes(nats.nc, nats.js, id, log, knownFunction);
  const recovery = new LeaseRecovery(nats, leases, () => liveLeaseWindowMs(versionTimeouts(source.functions.state.values()), { pickupTimeoutMs: o.config.pickupTimeout, maxMs: o.config.recoveryWindow }), log);
  const reaper = new Reaper(nats, leases, outcomes, o.config.reaperInterval, log, () => void recovery.trigger());
  const recorder = new ResultRecorder(nats, leases, log, () => void recovery.trigger(), knownFunction);
  const reconnects = new Reconnects(nats.nc);
  const presence = new NodePresence(nats.nc, reconnects, leases, log, () => void reaper.sweep());
  const dispatcher = new Dispatcher({
    nats,
    store: new EventStore(nats.js, nats.jsm),
    leases,
    presence,
    source,
    outcomes,
    config: o.config,
    policy: new PolicyState(),
    rng: Math.random,
    log,
    onLeaseStateLost: () => void recovery.trigger(),
    tracer: o.tracer,
  });

  await source.start();
  // Redis may be slower to answer than NATS at a start; placement waits for it either way.
  await leases.ready().catch(() => undefined);
  await recovery.trigger();
  const stopWatching = watchLostNodes(source, leases, log);
  recovery.start();
  // A Redis back from an outage may have restarted empty: check at once, and let waiting requests try again.
  leases.onReconnect(() => void recovery.trigger().then(() => dispatcher.retryNow()));
  reaper.start();
  // Spearlets' results are recorded from now on: the lease state was checked (rebuilt if lost) above.
  recorder.start();
  presence.start(() => liveNodes(source));
  await dispatcher.start(o.signal);
  log.info({ nodes: source.snapshot.table.nodes.length }, "scheduler ready");

  return {
    id,
    stats: () => ({ ...dispatcher.stats, retried: reaper.retried, snapshots: source.buildCount, recorded: recorder.recorded, recordsRefused: recorder.refused }),
    get redisReachable() {
      return leases.reachable;
    },
    stop: async () => {
      stopWatching();
      presence.stop();
      reconnects.stop();
      reaper.stop();
      recovery.stop();
      await dispatcher.stop();
      await recorder.stop();
      await source.stop();
      await leases.close();
    },
  };
}

/** A node declared lost gives its leases up at once, so its calls are retried elsewhere without waiting for their TTL. */
function watchLostNodes(source: SnapshotSource, leases: LeaseStore, log: Logger): () => void {
  let before: ReadonlyMap<string, NodeView> = new Map();
  const expire = (id: string) =>
    leases.expireNode(id).then(
      (n) => n > 0 && log.warn({ nodeId: id, leases: n }, "node lost; its leases expired for retry"),
      (e: unknown) => log.warn({ err: e, nodeId: id }, "could not expire the leases of a lost node"),
    );
  const check = (state: ReadonlyMap<string, NodeView>) => {
    for (const [id, n] of state) if (n.state === "lost" && before.get(id)?.state !== "lost") void expire(id);
    before = state;
  };
  check(source.nodes.state);
  return source.nodes.subscribe((state) => check(state));
}

/** The nodes that may hold calls: not lost (their leases are expired already) nor deregistered. */
const liveNodes = (source: SnapshotSource): string[] =>
  [...source.nodes.state.values()].filter((n) => n.state === "online" || n.state === "draining").map((n) => n.id);
