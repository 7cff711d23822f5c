import type { JetStreamManager } from "@nats-io/jetstream";
import type { Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { api } from "../../domain/api/registry.js";
import { NodeState } from "../../domain/node/view.js";
import { subjects } from "../../domain/subjects.js";
import { streamNames, type StreamSettings } from "../../streams/catalog.js";
import type { Nats } from "../../streams/connection.js";
import { throughOutages } from "../../streams/through-outages.js";
import { EventStore } from "../../streams/event-store.js";
import { deadLetterSources } from "../../streams/dead-letter.js";
import { openArtifactStore } from "./artifact-store.js";
import type { SmsConfig } from "./config.js";
import type { SmsContext } from "./context.js";
import { artifactsHandlers } from "./handlers/artifacts.js";
import { clusterHandlers } from "./handlers/cluster.js";
import { dlqHandlers } from "./handlers/dlq.js";
import { functionsHandlers } from "./handlers/functions.js";
import { invocationsHandlers } from "./handlers/invocations.js";
import { invokeRoute } from "./handlers/invoke.js";
import { nodesHandlers } from "./handlers/nodes.js";
import { poolsHandlers } from "./handlers/pools.js";
import { projectionsHandlers } from "./handlers/projections.js";
import { sessionsHandlers } from "./handlers/sessions.js";
import { Liveness } from "./liveness.js";
import { ReadModels } from "./read-models.js";
import { Redriver } from "./redrive.js";
import { routesOf, serveRoutes, type Route } from "../api/router.js";
import { SessionExpiry } from "./session-expiry.js";
import { readFrom } from "../metrics/registry.js";

export interface SmsService {
  /** Stops answering (sync invokes still waiting get `service_unavailable`), then liveness, expiry and the read models. */
  stop(): Promise<void>;
}

export function smsRoutes(sms: SmsContext, nats: Nats): Route[] {
  return [
    ...routesOf(api.nodes, nodesHandlers(sms)),
    ...routesOf(api.functions, functionsHandlers(sms)),
    ...routesOf(api.artifacts, artifactsHandlers(sms)),
    ...routesOf(api.pools, poolsHandlers(sms)),
    ...routesOf(api.sessions, sessionsHandlers(sms)),
    ...routesOf(api.cluster, clusterHandlers(sms)),
    ...routesOf(api.projections, projectionsHandlers(nats)),
  ];
}

/**
 * Starts one replica of the control plane on a connection: streams and the artifact
 * bucket in place, read models caught up, then the API, liveness and session expiry.
 */
export async function startSms(nats: Nats, config: SmsConfig, streams: StreamSettings, log: Logger, signal?: AbortSignal, opts: { snapshots?: boolean } = {}): Promise<SmsService> {
  const artifacts = await throughOutages("open the artifact bucket", () => openArtifactStore(nats.js), { log, signal });
  const store = new EventStore(nats.js, nats.jsm);
  const models = new ReadModels(nats.js, nats.jsm, log, config.settleTimeout, opts.snapshots ?? false);
  await models.start();
  const sms: SmsContext = { store, models, artifacts, config, log };
  const stopping = new AbortController();
  const redriver = new Redriver(nats, store, log.child({ part: "redrive" }));
  const routes = [
    ...smsRoutes(sms, nats),
    ...routesOf(api.invocations, invocationsHandlers(nats)),
    ...routesOf(api.dlq, dlqHandlers(nats, redriver)),
    invokeRoute(nats, stopping.signal),
  ];
  const subscriptions: Subscription[] = serveRoutes(nats.nc, routes, { queue: config.queueGroup, log });
  // Ready means requests reach this replica: the server has every subscription once it answers the flush.
  await throughOutages("flush the API subscriptions", () => nats.nc.flush(), { log, signal });
  let reconnectedAt: number | undefined;
  void (async () => {
    for await (const s of nats.nc.status()) if (s.type === "reconnect") reconnectedAt = Date.now();
  })();
  const liveness = new Liveness(store, models, log.child({ part: "liveness" }), {
    heartbeatIntervalMs: config.heartbeatInterval,
    timeoutMs: config.heartbeatTimeout,
    reconnectedAt: () => reconnectedAt,
  });
  liveness.start();
  const expiry = new SessionExpiry(store, models, log.child({ part: "session-expiry" }), config.sessionTtl);
  expiry.start();
  const unwatched = watchCluster(models, nats.jsm);
  log.info({ queue: config.queueGroup, subjects: subscriptions.length }, "control plane ready");
  return {
    async stop() {
      await Promise.all(subscriptions.map((s) => s.drain().catch(() => s.unsubscribe())));
      stopping.abort();
      await Promise.all([liveness.stop(), expiry.stop()]);
      unwatched();
      await models.stop();
    },
  };
}

/** The cluster as the control plane sees it, read at each scrape: nodes by state, functions, dead letters by source. */
function watchCluster(models: ReadModels, jsm: JetStreamManager): () => void {
  const stops = [
    readFrom("spear_cluster_nodes", () => {
      const counts = new Map<string, number>(NodeState.options.map((s) => [s, 0]));
      for (const n of models.nodes.state.values()) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
      return [...counts].map(([state, value]) => ({ labels: { state }, value }));
    }),
    readFrom("spear_cluster_functions", () => [...models.functions.state.values()].filter((f) => !f.deleted).length),
    readFrom("spear_dead_letters", async () => {
      const info = await jsm.streams.info(streamNames.dlq, { subjects_filter: subjects.allDlq });
      const bySource = new Map<string, number>(deadLetterSources.map((source) => [source, 0]));
      for (const [subject, n] of Object.entries(info.state.subjects ?? {})) {
        const source = subject.split(".")[2] ?? "";
        bySource.set(source, (bySource.get(source) ?? 0) + n);
      }
      return [...bySource].map(([source, value]) => ({ labels: { source }, value }));
    }),
  ];
  return () => stops.forEach((stop) => stop());
}
