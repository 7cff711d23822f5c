import getPort from "get-port";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import { SpearError } from "../../domain/errors.js";
import { devStateFile, type DevCredentials, type DevState } from "../../services/config.js";
import { SCHEDULER_CONSUMER } from "../../services/scheduler/dispatcher.js";
import { streamNames, type StreamSettings } from "../../streams/catalog.js";
import { connectNats } from "../../streams/connection.js";
import { applyStreams } from "../nats/apply.js";
import { identityOf, loadCredentials, natsUrlAs, redisUrlWith, type LocalCredentials } from "./credentials.js";
import { deployExamples, type DeployedExample } from "./dev-examples.js";
import { clearLeftovers, stopWaves } from "./dev-stop.js";
import type { LocalServer } from "./local-server.js";
import { tailOfFile } from "./log-tail.js";
import { NatsServer } from "./nats-server.js";
import { packageRoot } from "./paths.js";
import { identify, type ProcessId } from "./process-identity.js";
import { RedisServer } from "./redis-server.js";
import { ServiceProcess } from "./service-process.js";
import type { Role } from "../nats/permissions.js";
import { Supervisor, type RestartPolicy, type UnitRun, type UnitSpec } from "./supervisor.js";
import { removePrometheusTargets, writePrometheusTargets } from "./prometheus-targets.js";

export { stopWaves };

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
  /** Start again a process that exits on its own (default: yes, unless detached). */
  readonly restart?: boolean;
  readonly restartPolicy?: Partial<RestartPolicy>;
}

export interface DevStatus extends DevState {
  readonly dataDir: string;
  readonly logs: Readonly<Record<string, string>>;
  readonly deployed: readonly DeployedExample[];
}

/** How long each part may take to stop before it is killed. */
const STOP_GRACE_MS = { gateway: 5_000, scheduler: 10_000, spearlet: 15_000, projections: 10_000, sms: 10_000 } as const;
/** What a dev spearlet lets running calls finish in when it stops. */
const SPEARLET_DRAIN = "10s";

/**
 * Spear on one machine, as a real deployment runs it but smaller: its own nats-server and
 * redis-server with data under `dataDir`, then the control plane, the projection workers, one
 * scheduler, spearlets and the gateway as separate processes, then the example functions.
 *
 * In the foreground (not `detached`) this process supervises them (see Supervisor): each runs in
 * a process group of its own, so a terminal's signals reach only the launcher; a process that
 * exits on its own is reported and started again; the services stop by themselves when this
 * process disappears (SPEAR_SUPERVISOR_PID), and a guard process stops each server then
 * (server-guard.ts), so nothing outlives a launcher, even one killed by SIGKILL. The state of
 * every process is kept in `<dataDir>/dev.json`, which `spear dev status` reads.
 */
export class DevStack {
  private nats?: NatsServer;
  private redis?: RedisServer;
  private readonly supervisor: Supervisor;
  private readonly dataDir: string;
  private readonly detached: boolean;
  private readonly launcher: ProcessId;
  private urls?: { natsUrl: string; redisUrl: string; gatewayUrl?: string };
  private credentials?: DevCredentials | undefined;
  private deployed: DeployedExample[] = [];
  private ready = false;
  private readonly startedAt = new Date().toISOString();
  private stopping?: Promise<void>;
  /** dev.json is removed: nothing more is written to it. */
  private finished = false;
  /** This stack wrote dev.json (a launch refused at once must not remove another's). */
  private wrote = false;

  constructor(private readonly opts: DevStackOptions) {
    this.dataDir = resolve(opts.dataDir);
    this.detached = opts.detached ?? false;
    this.launcher = identify(process.pid);
    this.supervisor = new Supervisor({
      log: opts.log,
      restart: opts.restart ?? !this.detached,
      ...(opts.restartPolicy ? { policy: opts.restartPolicy } : {}),
      readyTimeoutMs: opts.readyTimeoutMs ?? 60_000,
      onChange: () => this.record(),
    });
  }

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
    const dataDir = this.dataDir;
    mkdirSync(dataDir, { recursive: true });
    await clearLeftovers(this.opts.dataDir, log);
    const free = (port: number | undefined, preferred: number) => port ?? getPort({ host: "127.0.0.1", port: preferred });

    let natsUrl: string;
    let redisUrl: string;
    const spearlets = Array.from({ length: this.opts.spearlets ?? 2 }, (_, i) => `dev-${i + 1}`);
    // Our own servers run with authentication on; servers given to us are used as they are.
    let creds: LocalCredentials | undefined;
    if (this.opts.servers) {
      ({ natsUrl, redisUrl } = this.opts.servers);
    } else {
      const guarded = !this.detached;
      const natsPort = await free(this.opts.natsPort, 4222);
      const redisPort = await free(this.opts.redisPort, 6379);
      creds = loadCredentials(dataDir, spearlets);
      this.nats = new NatsServer({ dataDir: join(dataDir, "nats"), port: natsPort, name: "spear-dev", detached: this.detached, guarded, identities: creds.nats });
      this.redis = new RedisServer({ dataDir: join(dataDir, "redis"), port: redisPort, detached: this.detached, guarded, password: creds.redisPassword });
      // Recorded from the first process on, so that a launcher killed while starting leaves a record.
      this.urls = { natsUrl: `nats://127.0.0.1:${natsPort}`, redisUrl: `redis://127.0.0.1:${redisPort}` };
      await this.supervisor.start(this.serverUnit("nats-server", this.nats, join(dataDir, "nats", "nats-server.log")));
      await this.supervisor.start(this.serverUnit("redis-server", this.redis, join(dataDir, "redis", "redis-server.log")));
      natsUrl = this.nats.url;
      redisUrl = this.redis.url;
    }
    const gatewayPort = await free(this.opts.gatewayPort, 8080);
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    this.monitorPorts.add(gatewayPort);
    this.urls = { natsUrl, redisUrl, gatewayUrl };
    this.credentials = creds && devCredentials(creds, natsUrl, redisUrl);
    this.record();

    const as = (role: Role, nodeId?: string): string => (creds ? natsUrlAs(natsUrl, identityOf(creds, role, nodeId)) : natsUrl);
    const nats = await connectNats({ url: as("admin"), name: "spear-dev", longLived: true });
    try {
      await applyStreams(nats, this.opts.streams);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        SPEAR_NATS_URL: natsUrl,
        SPEAR_REDIS_URL: redisUrl,
        SPEAR_DATA_DIR: dataDir,
        SPEAR_LOG_LEVEL: process.env.SPEAR_LOG_LEVEL ?? "info",
        SPEAR_REPLICAS: String(this.opts.streams.replicas),
        ...this.opts.serviceEnv,
      };
      // Each service watches this process and stops when it is gone; detached ones outlive it.
      delete env.SPEAR_SUPERVISOR_PID;
      delete env.SPEAR_MONITOR_PORT;
      if (!this.detached) env.SPEAR_SUPERVISOR_PID = String(process.pid);

      // In dependency order, each layer once the one before is ready: the control plane and the
      // read models; then what uses them (the scheduler, the spearlets, which register with the
      // control plane, and the gateway). The parts of a layer start together.
      // Each process gets its role's identity only; Redis's password goes to those that use it.
      const envAs = (role: Role, nodeId?: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...env, SPEAR_NATS_URL: as(role, nodeId), ...extra });
      const withRedis = { SPEAR_REDIS_URL: creds ? redisUrlWith(redisUrl, creds.redisPassword) : redisUrl };
      await this.layer([
        this.service("sms", ["sms"], envAs("control-plane"), STOP_GRACE_MS.sms),
        this.service("projections", ["projections", "run"], envAs("projections"), STOP_GRACE_MS.projections),
      ]);
      await this.layer([
        this.service("scheduler", ["scheduler"], envAs("scheduler", undefined, withRedis), STOP_GRACE_MS.scheduler),
        ...spearlets.map((id) =>
          this.service(
            `spearlet-${id}`,
            ["spearlet", "--name", id, "--slots", String(this.opts.slots ?? 4), "--base-dir", packageRoot(), "--drain-timeout", SPEARLET_DRAIN],
            envAs("spearlet", id, withRedis),
            STOP_GRACE_MS.spearlet,
          ),
        ),
        this.service(
          "gateway",
          ["gateway", "--port", String(gatewayPort)],
          envAs("gateway", undefined, creds ? { SPEAR_GATEWAY_TOKENS: creds.gatewayToken } : {}),
          STOP_GRACE_MS.gateway,
        ),
      ]);
      await schedulerListening(nats, this.opts.readyTimeoutMs ?? 60_000, () => this.supervisor.isStopping);

      this.deployed = (this.opts.examples ?? true) ? await deployExamples(nats, log) : [];
      if (this.supervisor.isStopping) throw new SpearError("cancelled", "stopping: the start was interrupted");
      this.ready = true;
      this.record();
      return this.status();
    } finally {
      await nats.nc.close();
    }
  }

  private serverUnit(name: string, server: LocalServer, logFile: string): UnitSpec {
    return {
      name,
      kind: "server",
      logFile,
      stopGraceMs: 5_000,
      spawn: async () => {
        await server.start();
        server.guardWaitFor(this.supervisor.serviceIds());
        return serverRun(server, logFile);
      },
      // start() waited until it answered.
      ready: async () => true,
    };
  }

  /** Services starting together: the first that fails fails the start (the stop that follows ends the others). */
  private async layer(starts: readonly Promise<void>[]): Promise<void> {
    await Promise.all(starts);
  }

  /** Starts one service and waits until its /readyz says ready; a service that exits first fails the start. */
  private async service(name: string, args: readonly string[], env: NodeJS.ProcessEnv, stopGraceMs: number): Promise<void> {
    const monitorPort = await this.freeMonitorPort();
    const monitorUrl = `http://127.0.0.1:${monitorPort}`;
    const logDir = join(this.dataDir, "logs");
    await this.supervisor.start({
      name,
      kind: "service",
      logFile: join(logDir, `${name}.log`),
      monitorUrl,
      stopGraceMs,
      spawn: async () => {
        const proc = new ServiceProcess({
          name,
          args: [...args, "--monitor-port", String(monitorPort)],
          env,
          logDir,
          detached: this.detached,
          ...(this.opts.onServiceLine ? { onLine: this.opts.onServiceLine } : {}),
        });
        proc.start();
        if (proc.pid !== undefined) {
          const id = identify(proc.pid);
          this.nats?.guardWaitFor([id]);
          this.redis?.guardWaitFor([id]);
        }
        return { pid: proc.pid, ended: proc.whenEnded(), stop: (ms) => proc.stop(ms), kill: () => proc.kill(), tail: (n) => proc.tail(n) };
      },
      ready: () => readyz(monitorUrl),
    });
  }

  private readonly monitorPorts = new Set<number>();

  /** A free port for a service's monitor, never one given to another service of this stack. */
  private async freeMonitorPort(): Promise<number> {
    for (;;) {
      const port = await getPort({ host: "127.0.0.1", exclude: [...this.monitorPorts] });
      if (this.monitorPorts.has(port)) continue;
      this.monitorPorts.add(port);
      return port;
    }
  }

  /** Every process as it is now, as dev.json holds it. */
  status(): DevStatus {
    const units = this.supervisor.status();
    const urls = this.urls ?? { natsUrl: this.opts.servers?.natsUrl ?? "", redisUrl: this.opts.servers?.redisUrl ?? "" };
    return {
      natsUrl: urls.natsUrl,
      redisUrl: urls.redisUrl,
      ...(urls.gatewayUrl ? { gatewayUrl: urls.gatewayUrl } : {}),
      ...(this.credentials ? { credentials: this.credentials } : {}),
      dataDir: this.dataDir,
      ready: this.ready,
      launcher: { ...this.launcher, detached: this.detached },
      pids: Object.fromEntries(units.filter((u) => u.pid !== undefined).map((u) => [u.name, u.pid!])),
      processes: Object.fromEntries(
        units.map((u) => [
          u.name,
          {
            kind: u.kind,
            ...(u.pid !== undefined ? { pid: u.pid } : {}),
            ...(u.startTime !== undefined ? { startTime: u.startTime } : {}),
            state: u.state,
            restarts: u.restarts,
            log: u.logFile,
            ...(u.monitorUrl ? { monitorUrl: u.monitorUrl } : {}),
            ...(u.lastExit ? { lastExit: u.lastExit } : {}),
          },
        ]),
      ),
      logs: Object.fromEntries(units.filter((u) => u.kind === "service").map((u) => [u.name, u.logFile])),
      deployed: this.deployed,
      startedAt: this.startedAt,
    };
  }

  /** Writes dev.json (whole, by rename: a reader never sees half of it). */
  private record(): void {
    if (this.finished || !this.urls?.natsUrl) return;
    const file = devStateFile(this.opts.dataDir);
    const tmp = `${file}.${process.pid}.tmp`;
    // It holds credentials: readable by its owner only.
    const status = this.status();
    writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
    writePrometheusTargets(this.opts.dataDir, status);
    this.wrote = true;
  }

  /** Stops everything in order (see stopWaves); the same promise for every caller. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.supervisor.stop(stopWaves(this.supervisor.status().map((u) => u.name)));
      this.forget();
    })();
    return this.stopping;
  }

  /** Ends every process at once (SIGKILL): a second Ctrl-C. */
  kill(): void {
    this.supervisor.kill();
    this.forget();
  }

  private forget(): void {
    this.finished = true;
    if (!this.wrote) return;
    rmSync(devStateFile(this.opts.dataDir), { force: true });
    removePrometheusTargets(this.opts.dataDir);
  }
}

function serverRun(server: LocalServer, logFile: string): UnitRun {
  return {
    pid: server.pid,
    ended: server.whenExited(),
    stop: () => server.stop(),
    kill: () => void server.kill(),
    tail: (n) => tailOfFile(logFile, n),
  };
}

const readyz = async (monitorUrl: string) => (await fetch(`${monitorUrl}/readyz`, { signal: AbortSignal.timeout(1_500) })).ok;

/** The scheduler's pull consumer waits for requests: calls made now are placed at once. */
async function schedulerListening(nats: Awaited<ReturnType<typeof connectNats>>, timeoutMs: number, stopping: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping()) {
    try {
      const info = await nats.jsm.consumers.info(streamNames.invoke, SCHEDULER_CONSUMER);
      if (info.num_waiting > 0) return;
    } catch {
      // not created yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What a client of each kind needs, as dev.json lists it (`credentials`). */
function devCredentials(c: LocalCredentials, natsUrl: string, redisUrl: string): DevCredentials {
  return {
    admin: { natsUrl: natsUrlAs(natsUrl, identityOf(c, "admin")) },
    client: { natsUrl: natsUrlAs(natsUrl, identityOf(c, "client")) },
    gateway: { token: c.gatewayToken },
    redis: { redisUrl: redisUrlWith(redisUrl, c.redisPassword) },
  };
}
