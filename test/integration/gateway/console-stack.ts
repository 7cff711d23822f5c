import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { applyStreams } from "../../../infra/nats/apply.js";
import { ProjectionWorker } from "../../../projections/worker.js";
import { projectionRegistry } from "../../../projections/registry.js";
import { parseConfig } from "../../../services/config.js";
import { GatewayConfig, type GatewayConfigInput } from "../../../services/gateway/config.js";
import { startGateway, type RunningGateway } from "../../../services/gateway/server.js";
import { SchedulerConfig } from "../../../services/scheduler/config.js";
import { startScheduler, type RunningScheduler } from "../../../services/scheduler/service.js";
import { SmsConfig } from "../../../services/sms/config.js";
import { startSms, type SmsService } from "../../../services/sms/service.js";
import { startSpearlet, type Spearlet } from "../../../services/spearlet/agent/agent.js";
import { SpearletConfig } from "../../../services/spearlet/agent/config.js";
import { defaultStreamSettings } from "../../../streams/catalog.js";
import { connectNats, type Nats } from "../../../streams/connection.js";
import { connectTest, testLog } from "../../support/nats.js";
import { SimSpearlet, type SimBehaviour } from "../../support/sim-spearlet.js";
import { useServers } from "../../support/servers.js";
import { exampleWasm } from "../spearlet/wasm-fixtures.js";
import { http, type HttpOptions } from "./harness.js";

const repoRoot = join(import.meta.dirname, "..", "..", "..");

/** The real spearlets' labels: a function that requires them runs real code, never on a simulated node. */
export const REAL_NODE_LABELS = { fleet: "edge" } as const;

/**
 * All of Spear as `spear dev` runs it, in this process, each part on its own NATS identity:
 * the control plane, the projection workers, one scheduler, real spearlets (WebAssembly and
 * process runtimes) and a gateway, against the suite's own nats-server and redis-server.
 */
export function useConsoleStack(nodes: readonly string[], gateway: GatewayConfigInput) {
  const servers = useServers({ nats: true, redis: true, nodeIds: nodes });
  const s: { conns: Nats[]; sms?: SmsService; scheduler?: RunningScheduler; spearlets: Spearlet[]; sims: Set<SimSpearlet>; workers: ProjectionWorker<unknown>[]; gateway?: RunningGateway; dirs: string[] } = {
    conns: [],
    spearlets: [],
    sims: new Set(),
    workers: [],
    dirs: [],
  };
  const as = async (role: Parameters<typeof servers.nats.urlAs>[0], name: string, nodeId?: string) => {
    const c = await connectNats({ url: servers.nats.urlAs(role, nodeId), name, longLived: true });
    s.conns.push(c);
    return c;
  };

  beforeAll(async () => {
    // The admin step (`spear streams apply`): the services never create streams or buckets.
    const admin = await connectTest(servers.nats.url);
    s.conns.push(admin);
    await applyStreams(admin, defaultStreamSettings);
    s.sms = await startSms(await as("control-plane", "sms"), parseConfig(SmsConfig, { heartbeatInterval: 1_000, heartbeatTimeout: 5_000 }), defaultStreamSettings, testLog);
    const proj = await as("projections", "projections");
    for (const p of projectionRegistry) {
      const w = new ProjectionWorker<unknown>(proj.js, proj.jsm, p, testLog, { maxBatchMs: 100, snapshots: false });
      s.workers.push(w);
      void w.serve();
    }
    s.scheduler = await startScheduler({
      nats: await as("scheduler", "scheduler"),
      redisUrl: servers.redis.url,
      streams: defaultStreamSettings,
      config: parseConfig(SchedulerConfig, { pickupTimeout: 2_000, queueTimeout: 5_000 }),
      log: testLog,
    });
    for (const nodeId of nodes) {
      const dir = mkdtempSync(join(tmpdir(), "spear-console-"));
      s.dirs.push(dir);
      const spearlet = await startSpearlet({
        nats: await as("spearlet", `spearlet-${nodeId}`, nodeId),
        redisUrl: servers.redis.url,
        config: parseConfig(SpearletConfig, { name: nodeId, labels: REAL_NODE_LABELS, slots: 4, runtimes: ["wasm", "process"], dataDir: dir, baseDir: repoRoot, heartbeat: 1_000, isolation: false }),
        streams: defaultStreamSettings,
        log: testLog,
      });
      await spearlet.registration;
      s.spearlets.push(spearlet);
    }
    s.gateway = await startGateway({ nats: await as("gateway", "gateway"), config: parseConfig(GatewayConfig, { port: 0, ...gateway }), log: testLog, streams: defaultStreamSettings });
  });

  afterAll(async () => {
    await s.gateway?.close();
    await s.scheduler?.stop();
    for (const sp of s.spearlets) if (sp.state !== "stopped") await sp.drain();
    for (const sim of s.sims) await sim.crash();
    for (const w of s.workers) w.stop();
    await s.sms?.stop();
    for (const c of s.conns) await c.nc.close();
    for (const d of s.dirs) rmSync(d, { recursive: true, force: true });
  });

  const url = () => {
    if (!s.gateway) throw new Error("stack not started");
    return s.gateway.url;
  };
  return {
    url,
    http: (method: string, path: string, o?: HttpOptions) => http(url(), method, path, o),
    /** Deploys an example's WebAssembly module through the gateway, uploaded in the request (multipart), as `as` when given. */
    async deployExample(name: string, token: string, o: { as?: string; spec?: Record<string, unknown> } = {}): Promise<void> {
      const form = new FormData();
      form.set("spec", JSON.stringify({ runtime: "wasm", ...o.spec }));
      form.set("artifact", new Blob([exampleWasm(name)]), `${name}.wasm`);
      const r = await http(url(), "POST", `/v1/functions/${o.as ?? name}:deploy`, { token, body: form });
      if (r.status !== 200) throw new Error(`deploy ${o.as ?? name}: ${r.status} ${r.text}`);
    },
    /** A simulated node (no code runs; it can fail every call), offering `services`: functions that require one go only to such nodes. */
    async sim(nodeId: string, behaviour: SimBehaviour, services: string[]): Promise<SimSpearlet> {
      const conn = await connectTest(servers.nats.url);
      s.conns.push(conn);
      const sim = await new SimSpearlet(conn, servers.redis.url, nodeId, 2, behaviour).start({ services, heartbeatMs: 1_000 });
      s.sims.add(sim);
      return sim;
    },
    /** Kills a simulated node at once (kill -9). */
    async crash(sim: SimSpearlet): Promise<void> {
      s.sims.delete(sim);
      await sim.crash();
    },
  };
}
