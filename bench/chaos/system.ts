import { join } from "node:path";
import type { Logger } from "pino";
import { isRunning } from "../../infra/local/dev-stop.js";
import { NatsServer } from "../../infra/local/nats-server.js";
import { packageRoot } from "../../infra/local/paths.js";
import { RedisServer } from "../../infra/local/redis-server.js";
import { defaultStreamSettings } from "../../streams/catalog.js";
import { connectNats, type Nats } from "../../streams/connection.js";
import { generateCredentials, identityOf, natsUrlAs, redisUrlWith, type LocalCredentials } from "../../infra/local/credentials.js";
import { applyStreams } from "../../infra/nats/apply.js";
import type { Role } from "../../infra/nats/permissions.js";
import { logSays, nodeOnline, projectionOwners, projectionsOwned, smsAnswers, spearletHealthy, waitReady, type Check } from "./readiness.js";
import { SupervisedService, type UnexpectedExit } from "./supervised-service.js";

export interface SystemOptions {
  /** Holds the servers' data, every service's data folder and the logs. */
  readonly dir: string;
  readonly spearlets: number;
  readonly slots: number;
  readonly schedulers: number;
  readonly log: Logger;
  /** A process that ended on its own (a server or a service), whatever the harness was doing. */
  readonly onUnexpectedExit: (e: UnexpectedExit) => void;
}

const READY_TIMEOUT_MS = 60_000;
const NATS = "nats-server";
const REDIS = "redis-server";

/**
 * All of Spear as separate processes on servers of its own: nats-server and redis-server on
 * free loopback ports, one control plane, one projection worker, the schedulers and the
 * spearlets, each a `node bin/spear.js <command>` child. Every part can be killed -9 by its pid
 * and started again under the same name, port, node id and data folder.
 */
export class ChaosSystem {
  readonly nodeIds: readonly string[];
  readonly #nats: NatsServer;
  readonly #redis: RedisServer;
  readonly #creds: LocalCredentials;
  readonly #services = new Map<string, SupervisedService>();
  /** Servers the harness has taken down on purpose (their exits are not unexpected). */
  readonly #serversDown = new Set<string>();
  #control?: Nats;
  #watch?: NodeJS.Timeout;
  #stopping = false;

  private constructor(private readonly o: SystemOptions) {
    this.nodeIds = Array.from({ length: o.spearlets }, (_, i) => `chaos-${i + 1}`);
    this.#creds = generateCredentials(this.nodeIds);
    this.#nats = new NatsServer({ dataDir: join(o.dir, "nats"), name: "spear-chaos", identities: this.#creds.nats });
    this.#redis = new RedisServer({ dataDir: join(o.dir, "redis"), password: this.#creds.redisPassword });
  }

  /** Starts everything and waits until each part is ready; on failure stops what was started. */
  static async start(o: SystemOptions): Promise<ChaosSystem> {
    const system = new ChaosSystem(o);
    try {
      await system.startAll();
    } catch (e) {
      await system.stop();
      throw e;
    }
    return system;
  }

  /**
   * The load's URL. It carries the admin's identity rather than a client's: besides invoking,
   * the harness watches every result as it is stored (`spear.result.>`), which a client may not.
   */
  get natsUrl(): string {
    return this.urlAs("admin");
  }

  private urlAs(role: Role, nodeId?: string): string {
    return natsUrlAs(this.#nats.url, identityOf(this.#creds, role, nodeId));
  }

  /** The harness's own connection (deploys, readiness checks); it rides out nats-server restarts. */
  get control(): Nats {
    if (!this.#control) throw new Error("the chaos system has not been started");
    return this.#control;
  }

  /** Names of the parts of one kind: `spearlet-chaos-1`, `scheduler-2`, ... */
  partsOf(kind: "spearlet" | "scheduler"): string[] {
    return [...this.#services.keys()].filter((n) => n.startsWith(`${kind}-`));
  }

  pidOf(part: string): number | undefined {
    if (part === NATS) return this.#nats.pid;
    if (part === REDIS) return this.#redis.pid;
    return this.service(part).pid;
  }

  private async startAll(): Promise<void> {
    const { dir, log } = this.o;
    await Promise.all([this.#nats.start(), this.#redis.start()]);
    log.info({ nats: this.#nats.url, redis: this.#redis.url }, "servers ready");
    this.#watch = setInterval(() => this.checkServers(), 500);
    this.#control = await connectNats({ url: this.urlAs("admin"), name: "spear-chaos-harness", longLived: true });
    await applyStreams(this.#control, defaultStreamSettings);

    // Every process with its role's identity, as `spear dev` runs them.
    const env = (role: Role, nodeId?: string): NodeJS.ProcessEnv => ({
      ...process.env,
      SPEAR_NATS_URL: this.urlAs(role, nodeId),
      SPEAR_REDIS_URL: redisUrlWith(this.#redis.url, this.#creds.redisPassword),
      SPEAR_DATA_DIR: join(dir, "data"),
      SPEAR_LOG_LEVEL: process.env.SPEAR_CHAOS_LOG_LEVEL ?? "info",
    });
    const add = (name: string, args: string[], role: Role, nodeId?: string) => {
      const s = new SupervisedService({ name, args, env: env(role, nodeId), logDir: join(dir, "logs") }, (e) => this.unexpected(e));
      this.#services.set(name, s);
    };
    add("sms", ["sms"], "control-plane");
    add("projections", ["projections", "run"], "projections");
    for (let i = 1; i <= this.o.schedulers; i++) add(`scheduler-${i}`, ["scheduler"], "scheduler");
    for (const id of this.nodeIds) {
      // Unconfined: the sleep function writes each execution to the harness's log in its work
      // folder under /tmp, which a confined function cannot see (its /tmp is its own).
      const args = ["--data-dir", join(dir, `spearlet-${id}`), "spearlet", "--name", id, "--slots", String(this.o.slots), "--runtimes", "wasm,process", "--isolation", "off", "--base-dir", packageRoot()];
      add(`spearlet-${id}`, args, "spearlet", id);
    }
    // The control plane first: spearlets register with it.
    await this.startReady("sms");
    await Promise.all([...this.#services.keys()].filter((n) => n !== "sms").map((n) => this.startReady(n)));
    for (const id of this.nodeIds) {
      if (!(await waitReady(nodeOnline(this.control, id), { timeoutMs: READY_TIMEOUT_MS }))) throw new Error(`node ${id} is not online within ${READY_TIMEOUT_MS} ms`);
    }
  }

  private async startReady(name: string): Promise<void> {
    const s = this.service(name);
    const pid = s.start();
    const ready = await waitReady(this.readyCheck(name), { timeoutMs: READY_TIMEOUT_MS, gaveUp: () => !s.running });
    if (!ready) throw new Error(`${name} (pid ${pid}) ${s.running ? `is not ready within ${READY_TIMEOUT_MS} ms` : "exited during start-up"}; see ${s.logFile}`);
    this.o.log.info({ service: name, pid }, `${name} ready`);
  }

  /** How to tell that a part is ready; `ownersBefore` names the projection owners of a killed worker. */
  readyCheck(part: string, ownersBefore?: ReadonlyMap<string, string | null>): Check {
    if (part === NATS || part === REDIS) return async () => true;
    if (part === "sms") return smsAnswers(this.control);
    if (part === "projections") return projectionsOwned(this.control, ownersBefore);
    if (part.startsWith("scheduler-")) {
      const s = this.service(part);
      return logSays(() => s.logSinceStart(), "scheduler ready");
    }
    return spearletHealthy(this.control, part.slice("spearlet-".length));
  }

  /** What readyCheck needs to know from before a kill. */
  async beforeKill(part: string): Promise<ReadonlyMap<string, string | null> | undefined> {
    return part === "projections" ? projectionOwners(this.control).catch(() => undefined) : undefined;
  }

  /** kill -9 of one part, by its pid; resolves with that pid once it has exited. */
  async kill(part: string): Promise<number> {
    if (part === NATS || part === REDIS) {
      const server = part === NATS ? this.#nats : this.#redis;
      const pid = server.pid!;
      this.#serversDown.add(part);
      await server.kill();
      return pid;
    }
    return this.service(part).kill();
  }

  /** Starts a killed part again (same port and store, same node id and data folder); resolves with its new pid. */
  async restart(part: string): Promise<number> {
    if (part === NATS || part === REDIS) {
      const server = part === NATS ? this.#nats : this.#redis;
      await server.start();
      this.#serversDown.delete(part);
      return server.pid!;
    }
    return this.service(part).start();
  }

  running(part: string): boolean {
    if (part === NATS || part === REDIS) return !this.#serversDown.has(part) && isRunning(this.pidOf(part) ?? -1);
    return this.service(part).running;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Stops every service (spearlets first, the control plane last), then the servers; by pid. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#watch);
    const waves = [this.partsOf("spearlet"), [...this.partsOf("scheduler"), "projections"], ["sms"]];
    for (const wave of waves) await Promise.all(wave.filter((n) => this.#services.has(n)).map((n) => this.service(n).stop(10_000)));
    await this.#control?.nc.close().catch(() => undefined);
    this.#serversDown.add(REDIS).add(NATS);
    await this.#redis.stop();
    await this.#nats.stop();
  }

  private service(name: string): SupervisedService {
    const s = this.#services.get(name);
    if (!s) throw new Error(`no part named ${name}`);
    return s;
  }

  private unexpected(e: UnexpectedExit): void {
    if (!this.#stopping) this.o.onUnexpectedExit(e);
  }

  /** A server's exit is not reported to us (LocalServer keeps its child process to itself): its pid is polled. */
  private checkServers(): void {
    for (const [part, server] of [
      [NATS, this.#nats],
      [REDIS, this.#redis],
    ] as const) {
      const pid = server.pid;
      if (this.#stopping || this.#serversDown.has(part) || pid === undefined || isRunning(pid)) continue;
      this.#serversDown.add(part);
      this.o.onUnexpectedExit({ name: part, pid, code: null, signal: null, at: Date.now(), logTail: [] });
    }
  }
}
