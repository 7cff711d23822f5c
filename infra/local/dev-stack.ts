import getPort from "get-port";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import { devStateFile, type DevState } from "../../services/config.js";
import type { StreamSettings } from "../../streams/catalog.js";
import { connectNats } from "../../streams/connection.js";
import { ensureStreams, type EnsureOutcome } from "../../streams/ensure.js";
import { NatsServer } from "./nats-server.js";
import { RedisServer } from "./redis-server.js";

export interface DevStackOptions {
  readonly dataDir: string;
  readonly streams: StreamSettings;
  readonly log: Logger;
  readonly natsPort?: number;
  readonly redisPort?: number;
  /** Leave the servers running after this process exits. */
  readonly detached?: boolean;
}

/** Spear on one machine: its own nats-server and redis-server with data under `dataDir`. */
export class DevStack {
  private nats?: NatsServer;
  private redis?: RedisServer;
  streamsEnsured: readonly EnsureOutcome[] = [];

  constructor(private readonly opts: DevStackOptions) {}

  async start(): Promise<DevState> {
    const { log, dataDir } = this.opts;
    const root = resolve(dataDir);
    mkdirSync(root, { recursive: true });
    const detached = this.opts.detached ?? false;
    // The usual ports when free, so other tools find them; any free port otherwise.
    this.nats = new NatsServer({
      dataDir: join(root, "nats"),
      port: this.opts.natsPort ?? (await getPort({ host: "127.0.0.1", port: 4222 })),
      name: "spear-dev",
      detached,
    });
    await this.nats.start();
    log.info({ url: this.nats.url, pid: this.nats.pid }, "nats-server ready");
    this.redis = new RedisServer({
      dataDir: join(root, "redis"),
      port: this.opts.redisPort ?? (await getPort({ host: "127.0.0.1", port: 6379 })),
      detached,
    });
    await this.redis.start();
    log.info({ url: this.redis.url, pid: this.redis.pid }, "redis-server ready");
    const { nc, jsm } = await connectNats({ url: this.nats.url, name: "spear-dev" });
    try {
      this.streamsEnsured = await ensureStreams(jsm, this.opts.streams);
    } finally {
      await nc.close();
    }
    const state: DevState = {
      natsUrl: this.nats.url,
      redisUrl: this.redis.url,
      pids: { "nats-server": this.nats.pid!, "redis-server": this.redis.pid! },
      startedAt: new Date().toISOString(),
    };
    writeFileSync(devStateFile(dataDir), `${JSON.stringify(state, null, 2)}\n`);
    return state;
  }

  async stop(): Promise<void> {
    await this.redis?.stop();
    await this.nats?.stop();
    rmSync(devStateFile(this.opts.dataDir), { force: true });
  }
}
