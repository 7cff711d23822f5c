import getPort from "get-port";
import { Redis } from "ioredis";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { requireBinary } from "./binaries.js";
import { infraFile } from "./paths.js";
import { ServerProcess } from "./server-process.js";

export interface RedisServerOptions {
  readonly dataDir: string;
  readonly port?: number;
  readonly host?: string;
  readonly detached?: boolean;
}

/**
 * A real redis-server on loopback. It keeps nothing on disk: Spear's Redis holds only leases
 * and counters, which are rebuilt from the log after a restart.
 */
export class RedisServer {
  private proc?: ServerProcess;
  private chosenPort?: number;

  constructor(private readonly opts: RedisServerOptions) {}

  get host(): string {
    return this.opts.host ?? "127.0.0.1";
  }

  get port(): number {
    if (this.chosenPort === undefined) throw new Error("redis-server has not been started");
    return this.chosenPort;
  }

  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async start(): Promise<this> {
    this.chosenPort ??= this.opts.port ?? (await getPort({ host: this.host }));
    mkdirSync(this.opts.dataDir, { recursive: true });
    this.proc = new ServerProcess({
      name: "redis-server",
      binary: requireBinary("redis-server"),
      args: [
        infraFile("redis", "redis.conf"),
        "--bind",
        this.host,
        "--port",
        String(this.chosenPort),
        "--dir",
        this.opts.dataDir,
      ],
      logFile: join(this.opts.dataDir, "redis-server.log"),
      detached: this.opts.detached ?? false,
      probe: () => redisReady(this.url),
    });
    await this.proc.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
  }

  async kill(): Promise<void> {
    await this.proc?.kill();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

async function redisReady(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
  // Refused connections are expected while the server starts; connect() reports them.
  r.on("error", () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === "PONG";
  } finally {
    r.disconnect();
  }
}
