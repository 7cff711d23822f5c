import { join } from "node:path";
import { NatsServer } from "../../infra/local/nats-server.js";
import { RedisServer } from "../../infra/local/redis-server.js";
import { defaultStreamSettings } from "../../streams/catalog.js";
import { connectNats, type Nats } from "../../streams/connection.js";
import { ensureStreams } from "../../streams/ensure.js";
import type { ScenarioContext } from "./scenario.js";

export interface BenchServers {
  readonly natsUrl: string;
  readonly redisUrl: string;
  readonly natsPid: number;
  readonly redisPid: number | undefined;
  /** Stops what was started, by pid (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
}

/**
 * A nats-server (JetStream, file store) and, when asked, a redis-server of the scenario's own,
 * on free loopback ports with their data under `dir` (the scenario's folder by default): never
 * the servers that happen to run on this machine. They stop when the scenario (or part) ends.
 */
export async function startServers(ctx: ScenarioContext, want: { redis: boolean; dir?: string; label?: string }): Promise<BenchServers> {
  const dir = want.dir ?? ctx.tempDir;
  const nats = new NatsServer({ dataDir: join(dir, "nats"), name: "spear-bench" });
  await nats.start();
  let redis: RedisServer | undefined;
  try {
    if (want.redis) redis = await new RedisServer({ dataDir: join(dir, "redis") }).start();
  } catch (e) {
    await nats.stop();
    throw e;
  }
  const servers: BenchServers = {
    natsUrl: nats.url,
    redisUrl: redis?.url ?? "",
    natsPid: nats.pid!,
    redisPid: redis?.pid,
    async stop() {
      await redis?.stop();
      await nats.stop();
    },
  };
  ctx.defer(() => servers.stop());
  ctx.labelProcess(servers.natsPid, want.label ?? "nats-server");
  return servers;
}

/** A connection of the bench process itself, with Spear's streams in place; closed when the scenario ends. */
export async function benchConnection(ctx: ScenarioContext, natsUrl: string, name: string): Promise<Nats> {
  const nats = await connectNats({ url: natsUrl, name, timeoutMs: 30_000 });
  ctx.defer(() => nats.nc.close());
  await ensureStreams(nats.jsm, defaultStreamSettings);
  return nats;
}
