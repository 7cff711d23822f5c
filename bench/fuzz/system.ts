import getPort from "get-port";
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { generateCredentials, identityOf, natsUrlAs, redisUrlWith, type LocalCredentials } from "../../infra/local/credentials.js";
import { applyStreams } from "../../infra/nats/apply.js";
import type { Role } from "../../infra/nats/permissions.js";
import { defaultStreamSettings } from "../../streams/catalog.js";
import { connectNats } from "../../streams/connection.js";
import { NatsServer } from "../../infra/local/nats-server.js";
import { packageRoot } from "../../infra/local/paths.js";
import { RedisServer } from "../../infra/local/redis-server.js";
import { terminate } from "../../infra/local/terminate.js";

/** A process of the system that ended while the run was going on. */
export interface Crash {
  readonly name: string;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: string | null;
  /** The last lines it wrote on stderr. */
  readonly lastLines: readonly string[];
}

interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  readonly monitor: string;
  readonly exited: Promise<unknown>;
  readonly log: WriteStream;
  readonly tail: string[];
}

const TAIL_LINES = 30;

/** Whether a process still exists (signal 0 tests without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
const READY_TIMEOUT_MS = 60_000;

/**
 * All of Spear as separate processes on servers of its own, for the fuzz run: nats-server and
 * redis-server on free loopback ports with their data under `dir`, then the control plane, the
 * projection workers, one scheduler, the spearlets (WASM and process runtimes) and the HTTP
 * gateway, each `node bin/spear.js <command>` with a monitor port. Every exit of one of them
 * during the run is recorded; everything is stopped by its pid.
 */
export class FuzzSystem {
  readonly nodeIds: readonly string[];
  readonly crashes: Crash[] = [];
  /** Lines the services logged at level error or fatal (JSON logs: `"level":50` or 60). */
  readonly errorLines: string[] = [];
  private readonly services: Service[] = [];
  private readonly nats: NatsServer;
  private readonly redis: RedisServer;
  private readonly creds: LocalCredentials;
  private stopping = false;
  private serverWatch?: NodeJS.Timeout;
  gatewayUrl = "";

  private constructor(private readonly o: { dir: string; spearlets: number; slots: number }) {
    this.nodeIds = Array.from({ length: o.spearlets }, (_, i) => `fuzz-${i + 1}`);
    this.creds = generateCredentials(this.nodeIds);
    this.nats = new NatsServer({ dataDir: join(o.dir, "nats"), name: "spear-fuzz", identities: this.creds.nats });
    this.redis = new RedisServer({ dataDir: join(o.dir, "redis"), password: this.creds.redisPassword });
  }

  /** Starts everything and waits until every service is ready; on failure stops what was started. */
  static async start(o: { dir: string; spearlets: number; slots: number }): Promise<FuzzSystem> {
    const system = new FuzzSystem(o);
    try {
      await system.startAll();
    } catch (e) {
      await system.stop();
      throw e;
    }
    return system;
  }

  /**
   * The fuzzer's URL: the admin's identity, so that junk reaches every subject, as it would from
   * a compromised insider (what a client identity may not publish, the server refuses).
   */
  get natsUrl(): string {
    return this.urlAs("admin");
  }

  private urlAs(role: Role, nodeId?: string): string {
    return natsUrlAs(this.nats.url, identityOf(this.creds, role, nodeId));
  }

  get pids(): Record<string, number> {
    return Object.fromEntries([
      ["nats-server", this.nats.pid ?? 0],
      ["redis-server", this.redis.pid ?? 0],
      ...this.services.map((s) => [s.name, s.child.pid ?? 0]),
    ]);
  }

  private async startAll(): Promise<void> {
    const { dir } = this.o;
    await this.nats.start();
    await this.redis.start();
    this.watchServers();
    const admin = await connectNats({ url: this.urlAs("admin"), name: "spear-fuzz-apply" });
    try {
      await applyStreams(admin, defaultStreamSettings);
    } finally {
      await admin.nc.close();
    }
    mkdirSync(join(dir, "logs"), { recursive: true });
    const gatewayPort = await getPort({ host: "127.0.0.1" });
    this.gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const commands: [string, string[], Role, string?][] = [
      ["sms", ["sms", "--heartbeat-interval", "500ms", "--heartbeat-timeout", "3s"], "control-plane"],
      ["projections", ["projections", "run"], "projections"],
      ["scheduler", ["scheduler", "--pickup-timeout", "3s", "--queue-timeout", "5s"], "scheduler"],
      ...this.nodeIds.map((id): [string, string[], Role, string] => [
        id,
        ["spearlet", "--name", id, "--slots", String(this.o.slots), "--runtimes", "wasm,process", "--heartbeat", "500ms", "--drain-timeout", "2s", "--data-dir", join(dir, id), "--base-dir", packageRoot()],
        "spearlet",
        id,
      ]),
      ["gateway", ["gateway", "--port", String(gatewayPort)], "gateway"],
    ];
    for (const [name, args, role, nodeId] of commands) await this.spawn(name, args, this.urlAs(role, nodeId));
    await Promise.all(this.services.map((s) => this.ready(s)));
  }

  private async spawn(name: string, args: string[], natsUrl: string): Promise<void> {
    const monitorPort = await getPort({ host: "127.0.0.1" });
    const bin = join(packageRoot(), "bin", "spear.js");
    const child = spawn(process.execPath, [bin, ...args, "--monitor-port", String(monitorPort)], {
      // Secrets in the environment, not on the command line (where `ps` shows them).
      env: { ...process.env, SPEAR_LOG_LEVEL: "warn", SPEAR_NATS_URL: natsUrl, SPEAR_REDIS_URL: redisUrlWith(this.redis.url, this.creds.redisPassword) },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const log = createWriteStream(join(this.o.dir, "logs", `${name}.log`));
    const tail: string[] = [];
    let partial = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      log.write(chunk);
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines.filter(Boolean)) {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        if (/"level":(50|60)/.test(line) && this.errorLines.length < 500) this.errorLines.push(`${name}: ${line}`);
      }
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.once("exit", (code, signal) => this.crashed({ name, pid: child.pid ?? 0, code, signal, lastLines: [...tail] }));
    this.services.push({ name, child, monitor: `http://127.0.0.1:${monitorPort}`, exited, log, tail });
  }

  /** The servers are children of the launcher classes, not ours to listen to: their pids are polled instead. */
  private watchServers(): void {
    const servers = [["nats-server", this.nats.pid], ["redis-server", this.redis.pid]] as const;
    const seen = new Set<string>();
    this.serverWatch = setInterval(() => {
      for (const [name, pid] of servers) {
        if (pid === undefined || seen.has(name) || alive(pid)) continue;
        seen.add(name);
        this.crashed({ name, pid, code: null, signal: null, lastLines: [] });
      }
    }, 500);
  }

  private crashed(c: Crash): void {
    if (!this.stopping) this.crashes.push(c);
  }

  private async ready(s: Service): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (s.child.exitCode !== null || s.child.signalCode !== null) throw new Error(`${s.name} exited during start-up: ${s.tail.slice(-5).join("\n")}`);
      const status = (await fetch(`${s.monitor}/readyz`, { signal: AbortSignal.timeout(1_000) }).catch(() => undefined))?.status;
      if (status === 200) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${s.name} (pid ${s.child.pid}) is not ready within ${READY_TIMEOUT_MS} ms: ${s.tail.slice(-5).join("\n")}`);
  }

  /** Stops the services (gateway first, control plane last), then the servers; each by its pid. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.serverWatch);
    const order = ["gateway", ...this.nodeIds, "scheduler", "projections", "sms"];
    for (const name of order) {
      const s = this.services.find((x) => x.name === name);
      if (s) await terminate(s.child, s.exited, 10_000);
    }
    for (const s of this.services) s.log.end();
    await this.redis.stop();
    await this.nats.stop();
  }
}
