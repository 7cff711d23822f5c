import { Redis } from "ioredis";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requireBinary } from "./binaries.js";
import { LocalServer, type LocalServerOptions } from "./local-server.js";
import { infraFile } from "./paths.js";
import type { ProcessSpec } from "./server-process.js";

/**
 * A real redis-server on loopback. It keeps nothing on disk: Spear's Redis holds only leases
 * and counters, which are rebuilt from the log after a restart.
 */
export class RedisServer extends LocalServer<LocalServerOptions & { readonly password?: string }> {
  protected readonly scheme = "redis";

  protected spec(port: number): ProcessSpec {
    mkdirSync(this.opts.dataDir, { recursive: true });
    const auth = this.opts.password ? `:${encodeURIComponent(this.opts.password)}@` : "";
    return {
      name: "redis-server",
      binary: requireBinary("redis-server"),
      args: [this.configFile(), "--bind", this.host, "--port", String(port), "--dir", this.opts.dataDir],
      logFile: join(this.opts.dataDir, "redis-server.log"),
      detached: this.opts.detached ?? false,
      probe: () => redisReady(`redis://${auth}${this.host}:${port}`),
    };
  }

  /** The base configuration, and the password in a file of its own (not on the command line, where `ps` shows it). */
  private configFile(): string {
    const base = infraFile("redis", "redis.conf");
    if (!this.opts.password) return base;
    const file = join(this.opts.dataDir, "redis-server.conf");
    writeFileSync(file, `include ${base}\nrequirepass ${this.opts.password}\n`, { mode: 0o600 });
    return file;
  }
}

export async function redisReady(url: string): Promise<boolean> {
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
