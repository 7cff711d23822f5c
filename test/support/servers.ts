import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { locateBinary } from "../../infra/local/binaries.js";
import type { LocalServer } from "../../infra/local/local-server.js";
import { NatsServer } from "../../infra/local/nats-server.js";
import { RedisServer } from "../../infra/local/redis-server.js";
import { startNatsContainer, startRedisContainer } from "./containers.js";

/** A server a suite owns: it can be crashed (kill -9) and brought back on the same port and data. */
export interface TestServer {
  readonly url: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `spear-${prefix}-`));

/** A local server in a temp folder of its own, removed when the server is stopped. */
async function startLocal(kind: "nats" | "redis", make: (dataDir: string) => LocalServer): Promise<TestServer> {
  const dir = tempDir(kind);
  const server = await make(dir).start();
  return {
    get url() {
      return server.url;
    },
    kill: () => server.kill(),
    restart: async () => {
      await server.kill();
      await server.start();
    },
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const startNats = (): Promise<TestServer> =>
  locateBinary("nats-server") ? startLocal("nats", (dataDir) => new NatsServer({ dataDir })) : startNatsContainer();

export const startRedis = (): Promise<TestServer> =>
  locateBinary("redis-server") ? startLocal("redis", (dataDir) => new RedisServer({ dataDir })) : startRedisContainer();

/** Starts the servers a suite asks for in beforeAll and stops them in afterAll. */
export function useServers(want: { nats?: boolean; redis?: boolean } = { nats: true }) {
  const s: { nats?: TestServer; redis?: TestServer } = {};
  beforeAll(async () => {
    if (want.nats) s.nats = await startNats();
    if (want.redis) s.redis = await startRedis();
  });
  afterAll(async () => {
    await s.redis?.stop();
    await s.nats?.stop();
  });
  return {
    get nats(): TestServer {
      if (!s.nats) throw new Error("nats-server not started for this suite");
      return s.nats;
    },
    get redis(): TestServer {
      if (!s.redis) throw new Error("redis-server not started for this suite");
      return s.redis;
    },
  };
}
