import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { locateBinary } from "../../infra/local/binaries.js";
import type { LocalServer } from "../../infra/local/local-server.js";
import { NatsServer } from "../../infra/local/nats-server.js";
import { RedisServer } from "../../infra/local/redis-server.js";
import { generateCredentials, identityOf, natsUrlAs, newSecret, redisUrlWith, type LocalCredentials } from "../../infra/local/credentials.js";
import type { Role } from "../../infra/nats/permissions.js";
import { startNatsContainer, startRedisContainer } from "./containers.js";

/** A server a suite owns: it can be crashed (kill -9) and brought back on the same port and data. */
export interface TestServer {
  /** Carries the admin's identity when authentication is on (as it is on local servers). */
  readonly url: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `spear-${prefix}-`));

/** A local server in a temp folder of its own, removed when the server is stopped. */
async function startLocal(server: LocalServer, dir: string, withAuth: (url: string) => string): Promise<TestServer> {
  await server.start();
  return {
    get url() {
      return withAuth(server.url);
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

/** A nats-server with authentication on: each role's identity (spearlets: of the nodes named), no anonymous access. */
export interface AuthNatsServer extends TestServer {
  readonly credentials: LocalCredentials;
  /** The server's URL carrying one role's identity. */
  urlAs(role: Role, nodeId?: string): string;
  /** The server's URL without any identity. */
  readonly anonymousUrl: string;
}

export async function startNats(o: { nodeIds?: readonly string[] } = {}): Promise<AuthNatsServer> {
  const credentials = generateCredentials(o.nodeIds ?? []);
  if (!locateBinary("nats-server")) {
    // A server in a container (no local binary) runs without authentication.
    const server = await startNatsContainer();
    return Object.assign(server, { credentials, urlAs: () => server.url, anonymousUrl: server.url });
  }
  const dir = tempDir("nats");
  const local = new NatsServer({ dataDir: dir, identities: credentials.nats });
  const server = await startLocal(local, dir, (url) => natsUrlAs(url, identityOf(credentials, "admin")));
  return Object.assign(server, {
    credentials,
    urlAs: (role: Role, nodeId?: string) => natsUrlAs(local.url, identityOf(credentials, role, nodeId)),
    get anonymousUrl() {
      return local.url;
    },
  });
}

export async function startRedis(): Promise<TestServer> {
  if (!locateBinary("redis-server")) return startRedisContainer();
  const password = newSecret();
  const dir = tempDir("redis");
  return startLocal(new RedisServer({ dataDir: dir, password }), dir, (url) => redisUrlWith(url, password));
}

/** Starts the servers a suite asks for in beforeAll and stops them in afterAll. */
export function useServers(want: { nats?: boolean; redis?: boolean; nodeIds?: readonly string[] } = { nats: true }) {
  const s: { nats?: AuthNatsServer; redis?: TestServer } = {};
  beforeAll(async () => {
    if (want.nats) s.nats = await startNats(want.nodeIds ? { nodeIds: want.nodeIds } : {});
    if (want.redis) s.redis = await startRedis();
  });
  afterAll(async () => {
    await s.redis?.stop();
    await s.nats?.stop();
  });
  return {
    get nats(): AuthNatsServer {
      if (!s.nats) throw new Error("nats-server not started for this suite");
      return s.nats;
    },
    get redis(): TestServer {
      if (!s.redis) throw new Error("redis-server not started for this suite");
      return s.redis;
    },
  };
}
