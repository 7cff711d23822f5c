import getPort from "get-port";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../../../domain/api/registry.js";
import { NatsServer } from "../../../infra/local/nats-server.js";
import { RedisServer } from "../../../infra/local/redis-server.js";
import { projectionRegistry } from "../../../projections/registry.js";
import { projectionStatus } from "../../../projections/status.js";
import { smsRequest } from "../../../services/api/client.js";
import { exited, spawnCli } from "../../support/cli.js";
import { connectTest, eventually } from "../../support/nats.js";

/**
 * Every long-running service as its own process, started before nats-server exists and kept
 * through a kill -9 and restart of it: each waits for the server, says on /readyz whether it
 * can work, resumes on its own, and logs no error on the way.
 */
const dir = mkdtempSync(join(tmpdir(), "spear-outage-"));
const worker = join(import.meta.dirname, "..", "..", "support", "workers", "sleepy.cjs");
let nats: NatsServer;
let redis: RedisServer;
let gatewayUrl: string;
const services: { name: string; child: ChildProcess; monitor: string; stderr: string[] }[] = [];

beforeAll(async () => {
  const natsPort = await getPort({ host: "127.0.0.1" });
  nats = new NatsServer({ dataDir: join(dir, "nats"), port: natsPort });
  redis = await new RedisServer({ dataDir: join(dir, "redis") }).start();
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  const gatewayPort = await getPort({ host: "127.0.0.1" });
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const commands: [string, string[]][] = [
    ["sms", ["sms", "--heartbeat-interval", "500ms", "--heartbeat-timeout", "5s"]],
    ["projections", ["projections", "run", "--lock-ttl", "5s"]],
    ["scheduler", ["scheduler"]],
    ["spearlet", ["spearlet", "--name", "outage-1", "--slots", "2", "--runtimes", "process", "--heartbeat", "500ms", "--data-dir", join(dir, "spearlet")]],
    ["gateway", ["gateway", "--port", String(gatewayPort)]],
  ];
  for (const [name, args] of commands) {
    const monitorPort = await getPort({ host: "127.0.0.1" });
    const child = spawnCli([...args, "--monitor-port", String(monitorPort), "--nats", natsUrl, "--redis", redis.url]);
    const stderr: string[] = [];
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => stderr.push(...chunk.split("\n").filter(Boolean)));
    services.push({ name, child, monitor: `http://127.0.0.1:${monitorPort}`, stderr });
  }
}, 60_000);

afterAll(async () => {
  for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGTERM");
  await Promise.all(services.map((s) => exited(s.child)));
  await redis?.stop();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

const probe = async (url: string): Promise<number> => (await fetch(url, { signal: AbortSignal.timeout(1_000) }).catch(() => undefined))?.status ?? 0;
const allReady = () => eventually(async () => ((await Promise.all(services.map((s) => probe(`${s.monitor}/readyz`)))).every((c) => c === 200) ? true : undefined), 45_000, 250);
const running = () => services.filter((s) => s.child.exitCode === null && s.child.signalCode === null).map((s) => s.name);
const errorLines = () => services.flatMap((s) => s.stderr.filter((l) => /"level":(50|60)/.test(l)).map((l) => `${s.name}: ${l}`));

async function invokeOverHttp(input: unknown): Promise<{ status: number; body: { status?: string; output?: unknown } }> {
  const res = await fetch(`${gatewayUrl}/v1/functions/outage-echo:invoke`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input: { echo: input }, waitMs: 15_000 }),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: (await res.json()) as { status?: string; output?: unknown } };
}

describe("every service across nats-server's absence and restart", () => {
  it("waits for nats-server at start, alive and not ready, then becomes ready once it runs", async () => {
    await eventually(async () => ((await Promise.all(services.map((s) => probe(`${s.monitor}/healthz`)))).every((c) => c === 200) ? true : undefined), 20_000, 200);
    for (const s of services) expect(await probe(`${s.monitor}/readyz`), s.name).toBe(503);
    await nats.start();
    // The operator's step: the streams, which the services wait for and never create.
    const client = await connectTest(nats.url);
    await allReady();
    expect(running()).toEqual(services.map((s) => s.name));
    try {
      await smsRequest(client.nc, api.functions.deploy, { name: "outage-echo", spec: { runtime: "process", command: ["node", worker] } });
    } finally {
      await client.nc.close();
    }
    const before = await eventually(async () => {
      const r = await invokeOverHttp("before").catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, 30_000, 500);
    expect(before.body).toMatchObject({ status: "succeeded", output: "before" });
  }, 90_000);

  it("says not ready while nats-server is down, and serves again after its restart, every process still running", async () => {
    await nats.kill();
    await eventually(async () => ((await Promise.all(services.map((s) => probe(`${s.monitor}/readyz`)))).every((c) => c === 503) ? true : undefined), 15_000, 200);
    await new Promise((r) => setTimeout(r, 2_000));
    await nats.start();
    await allReady();
    const after = await eventually(async () => {
      const r = await invokeOverHttp("after").catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, 45_000, 500);
    expect(after.body).toMatchObject({ status: "succeeded", output: "after" });
    expect(running()).toEqual(services.map((s) => s.name));

    // The projection workers hold their read models again and fold what happened meanwhile.
    const client = await connectTest(nats.url);
    try {
      await eventually(async () => {
        const all = await Promise.all(projectionRegistry.map((p) => projectionStatus(client.js, client.jsm, p)));
        return all.every((s) => s.owner !== null && s.lag === 0) ? true : undefined;
      }, 30_000, 500);
    } finally {
      await client.nc.close();
    }
    expect(errorLines()).toEqual([]);
  }, 120_000);
});
