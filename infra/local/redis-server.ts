import { Redis } from "ioredis";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { requireBinary } from "./binaries.js";
import { LocalServer } from "./local-server.js";
import { infraFile } from "./paths.js";
import type { ProcessSpec } from "./server-process.js";

/**
 * A real redis-server on loopback. It keeps nothing on disk: Spear's Redis holds only leases
 * and counters, which are rebuilt from the log after a restart.
 */
export class RedisServer extends LocalServer {
  protected readonly scheme = "redis";

  protected spec(port: number): ProcessSpec {
    mkdirSync(this.opts.dataDir, { recursive: true });
    return {
      name: "redis-server",
      binary: requireBinary("redis-server"),
      args: [infraFile("redis", "redis.conf"), "--bind", this.host, "--port", String(port), "--dir", this.opts.dataDir],
      logFile: join(this.opts.dataDir, "redis-server.log"),
      detached: this.opts.detached ?? false,
      probe: () => redisReady(`redis://${this.host}:${port}`),
    };
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
