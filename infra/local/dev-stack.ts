import getPort from "get-port";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import { api } from "../../domain/api/registry.js";
import { isSpearError, SpearError } from "../../domain/errors.js";
import { projectionRegistry } from "../../projections/registry.js";
import { projectionStatus } from "../../projections/status.js";
import { devStateFile, type DevState } from "../../services/config.js";
import { SCHEDULER_CONSUMER } from "../../services/scheduler/dispatcher.js";
import { smsRequest } from "../../services/sms/client.js";
import { streamNames, type StreamSettings } from "../../streams/catalog.js";
import { connectNats, type Nats } from "../../streams/connection.js";
import { ensureStreams } from "../../streams/ensure.js";
import { deployExamples, type DeployedExample } from "./dev-examples.js";
import { NatsServer } from "./nats-server.js";
import { packageRoot } from "./paths.js";
import { RedisServer } from "./redis-server.js";
import { ServiceProcess } from "./service-process.js";

export interface DevStackOptions {
  readonly dataDir: string;
  readonly streams: StreamSettings;
  readonly log: Logger;
  readonly natsPort?: number;
  readonly redisPort?: number;
  readonly gatewayPort?: number;
  readonly spearlets?: number;
  readonly slots?: number;
  /** Leave everything running after this process exits. */
  readonly detached?: boolean;
  /** Each output line of the services (foreground only). */
  readonly onServiceLine?: (line: string) => void;
  readonly readyTimeoutMs?: number;
  /** Use these running servers instead of starting nats-server and redis-server (they are left running at stop). */
  readonly servers?: { readonly natsUrl: string; readonly redisUrl: string };
  /** Deploy the example functions once everything is ready (default true). */
  readonly examples?: boolean;
  /** Added to every service's environment (settings such as SPEAR_HEARTBEAT_INTERVAL, or NODE_OPTIONS for profiling). */
  readonly serviceEnv?: NodeJS.ProcessEnv;
}

export interface DevStatus extends DevState {
  readonly dataDir: string;
  readonly logs: Readonly<Record<string, string>>;
  readonly deployed: readonly DeployedExample[];
}

/**
 * Spear on one machine, as a real deployment runs it but smaller: its own nats-server and
 * redis-server with data under `dataDir`, then the control plane, the projection workers, one
 * scheduler, spearlets and the gateway as separate processes, then the example functions.
 */
export class DevStack {
  private nats?: NatsServer;
  private redis?: RedisServer;
  private readonly services: ServiceProcess[] = [];

  constructor(private readonly opts: DevStackOptions) {}

  async start(): Promise<DevStatus> {
    try {
      return await this.startAll();
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  private async startAll(): Promise<DevStatus> {
    const { log } = this.opts;
    const dataDir = resolve(this.opts.dataDir);
    mkdirSync(dataDir, { recursive: true });
    const detached = this.opts.detached ?? false;
    const free = (port: number | undefined, preferred: number) => port ?? getPort({ host: "127.0.0.1", port: preferred });

    let natsUrl: string;
    let redisUrl: string;
    const servers: Record<string, number> = {};
    if (this.opts.servers) {
      ({ natsUrl, redisUrl } = this.opts.servers);
    } else {
      this.nats = new NatsServer({ dataDir: join(dataDir, "nats"), port: await free(this.opts.natsPort, 4222), name: "spear-dev", detached });
      await this.nats.start();
      log.info({ url: this.nats.url, pid: this.nats.pid }, "nats-server ready");
      this.redis = new RedisServer({ dataDir: join(dataDir, "redis"), port: await free(this.opts.redisPort, 6379), detached });
      await this.redis.start();
      log.info({ url: this.redis.url, pid: this.redis.pid }, "redis-server ready");
      natsUrl = this.nats.url;
      redisUrl = this.redis.url;
      servers["nats-server"] = this.nats.pid!;
      servers["redis-server"] = this.redis.pid!;
    }

    const nats = await connectNats({ url: natsUrl, name: "spear-dev", longLived: true });
    try {
      await ensureStreams(nats.jsm, this.opts.streams);
      const gatewayPort = await free(this.opts.gatewayPort, 8080);
      const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
      const spearlets = Array.from({ length: this.opts.spearlets ?? 2 }, (_, i) => `dev-${i + 1}`);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        SPEAR_NATS_URL: natsUrl,
        SPEAR_REDIS_URL: redisUrl,
        SPEAR_DATA_DIR: dataDir,
        SPEAR_LOG_LEVEL: process.env.SPEAR_LOG_LEVEL ?? "info",
        SPEAR_REPLICAS: String(this.opts.streams.replicas),
        ...this.opts.serviceEnv,
      };
      const timeout = this.opts.readyTimeoutMs ?? 60_000;

      await this.service("sms", ["sms"], env, () => smsAnswers(nats), timeout);
      await this.service("projections", ["projections", "run"], env, () => projectionsOwned(nats), timeout);
      await this.service("scheduler", ["scheduler"], env, () => schedulerListening(nats), timeout);
      for (const id of spearlets) {
        const args = ["spearlet", "--name", id, "--slots", String(this.opts.slots ?? 4), "--base-dir", packageRoot(), "--drain-timeout", "10s"];
        await this.service(`spearlet-${id}`, args, env, () => nodeOnline(nats, id), timeout);
      }
      await this.service("gateway", ["gateway", "--port", String(gatewayPort)], env, () => gatewayReady(gatewayUrl), timeout);

      const deployed = (this.opts.examples ?? true) ? await deployExamples(nats, log) : [];
      const status: DevStatus = {
        natsUrl,
        redisUrl,
        gatewayUrl,
        dataDir,
        pids: {
          ...servers,
          ...Object.fromEntries(this.services.map((s) => [s.spec.name, s.pid!])),
        },
        logs: Object.fromEntries(this.services.map((s) => [s.spec.name, s.logFile])),
        deployed,
        startedAt: new Date().toISOString(),
      };
      writeFileSync(devStateFile(this.opts.dataDir), `${JSON.stringify(status, null, 2)}\n`);
      return status;
    } finally {
      await nats.nc.close();
    }
  }

  /** Starts one service and waits until `ready` says yes; a service that exits first fails the start. */
  private async service(name: string, args: string[], env: NodeJS.ProcessEnv, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const proc = new ServiceProcess({
      name,
      args,
      env,
      logDir: join(resolve(this.opts.dataDir), "logs"),
      detached: this.opts.detached ?? false,
      ...(this.opts.onServiceLine ? { onLine: this.opts.onServiceLine } : {}),
    });
    this.services.push(proc);
    proc.start();
    let exited = false;
    void proc.whenExited().then(() => (exited = true));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (exited) throw new SpearError("server_start_failed", `${name} exited during start-up; see ${proc.logFile}`, { log: proc.logFile });
      if (await checkWithin(ready, 2_000)) {
        this.opts.log.info({ service: name, pid: proc.pid }, `${name} ready`);
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new SpearError("server_start_failed", `${name} did not become ready within ${timeoutMs} ms; see ${proc.logFile}`, { log: proc.logFile });
  }

  /** Stops the services in waves (see stopWaves), then the servers. */
  async stop(): Promise<void> {
    for (const wave of stopWaves(this.services.map((s) => s.spec.name))) {
      await Promise.all(this.services.filter((s) => wave.includes(s.spec.name)).map((s) => s.stop(15_000)));
    }
    await this.redis?.stop();
    await this.nats?.stop();
    rmSync(devStateFile(this.opts.dataDir), { force: true });
  }
}

/** A readiness check that neither throws nor hangs: a check that does not answer in time is a no. */
async function checkWithin(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([check().catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

const smsAnswers = async (nats: Nats) => {
  await smsRequest(nats.nc, api.cluster.stats, {}, { timeoutMs: 1_000 });
  return true;
};

/** Every projection worker holds its read model's owner key. */
const projectionsOwned = async (nats: Nats) => {
  const all = await Promise.all(projectionRegistry.map((p) => projectionStatus(nats.js, nats.jsm, p)));
  return all.every((s) => s.owner !== null);
};

const schedulerListening = async (nats: Nats) => {
  const info = await nats.jsm.consumers.info(streamNames.invoke, SCHEDULER_CONSUMER);
  return info.num_waiting > 0;
};

const nodeOnline = async (nats: Nats, nodeId: string) => {
  try {
    const node = await smsRequest(nats.nc, api.nodes.get, { nodeId }, { timeoutMs: 1_000 });
    return node.state === "online";
  } catch (e) {
    if (isSpearError(e, "node_not_found")) return false;
    throw e;
  }
};

const gatewayReady = async (url: string) => (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) })).ok;

/**
 * The order services stop in: the gateway first (no new calls), then the spearlets together
 * (they drain, and need the control plane to mark themselves drained), then the scheduler and
 * the projection workers, the control plane last.
 */
export function stopWaves(names: readonly string[]): string[][] {
  const waves = [["gateway"], names.filter((n) => n.startsWith("spearlet-")), ["scheduler", "projections"], ["sms"]];
  return waves.map((w) => w.filter((n) => names.includes(n))).filter((w) => w.length > 0);
}
