import { createInbox } from "@nats-io/transport-node";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../../../domain/api/registry.js";
import type { InvocationFinished } from "../../../domain/events/invocation.js";
import { parseConfig } from "../../../services/config.js";
import { LeaseStore } from "../../../services/leases/lease-store.js";
import { SchedulerConfig } from "../../../services/scheduler/config.js";
import { startScheduler, type RunningScheduler } from "../../../services/scheduler/service.js";
import { smsRequest } from "../../../services/api/client.js";
import { SmsConfig } from "../../../services/sms/config.js";
import { startSms, type SmsService } from "../../../services/sms/service.js";
import { defaultStreamSettings } from "../../../streams/catalog.js";
import type { Nats } from "../../../streams/connection.js";
import { parseResult } from "../../../streams/invocations/results.js";
import { submitInvocation } from "../../../streams/invocations/submit.js";
import { exited, spawnCli } from "../../support/cli.js";
import { connectTest, eventually, testLog } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

/**
 * Real spearlet processes with the real scheduler: a spearlet killed with kill -9 in the middle
 * of a call leaves an expiring lease; the scheduler's reaper retries the call, which completes on
 * the other spearlet.
 */
const servers = useServers({ nats: true, redis: true });
const dir = mkdtempSync(join(tmpdir(), "spear-agent-failover-"));
let nats: Nats;
let sms: SmsService;
let scheduler: RunningScheduler;
let schedulerNats: Nats;
let leases: LeaseStore;
const children: ChildProcess[] = [];

beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
  sms = await startSms(nats, parseConfig(SmsConfig, { heartbeatInterval: 300, heartbeatTimeout: 3_000 }), defaultStreamSettings, testLog);
  schedulerNats = await connectTest(servers.nats.url);
  scheduler = await startScheduler({
    nats: schedulerNats,
    redisUrl: servers.redis.url,
    streams: defaultStreamSettings,
    config: parseConfig(SchedulerConfig, { pickupTimeout: 2_000, queueTimeout: 30_000, maxAttempts: 3 }),
    log: testLog,
  });
  leases = new LeaseStore({ url: servers.redis.url, name: "test-observer" });
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await Promise.all(children.map((c) => exited(c)));
  await scheduler?.stop();
  await schedulerNats?.nc.close();
  await sms?.stop();
  await leases?.close();
  await nats?.nc.close();
  rmSync(dir, { recursive: true, force: true });
});

function spearlet(name: string): ChildProcess {
  const child = spawnCli([
    "spearlet",
    "--name", name,
    "--slots", "2",
    "--runtimes", "process",
    "--services", "failover",
    "--heartbeat", "300ms",
    "--commit-grace", "500ms",
    "--nats", servers.nats.url,
    "--redis", servers.redis.url,
    "--data-dir", join(dir, name),
  ]);
  children.push(child);
  return child;
}

const online = (nodeId: string) =>
  eventually(async () => ((await smsRequest(nats.nc, api.nodes.get, { nodeId }).catch(() => undefined))?.state === "online" ? true : undefined), 20_000);

describe("spearlet agent with the scheduler", () => {
  it("completes on another spearlet a call whose spearlet was killed (kill -9) while running it", async () => {
    // Long enough to be still running on the doomed node once the survivor is up, however slow the start.
    const worker = join(import.meta.dirname, "..", "..", "support", "workers", "sleepy.cjs");
    await smsRequest(nats.nc, api.functions.deploy, {
      name: "slow",
      spec: { runtime: "process", command: ["node", worker], limits: { timeoutMs: 30_000 }, requirements: { services: ["failover"], labels: {} } },
    });
    const doomed = spearlet("doomed");
    await online("doomed");

    const replyTo = createInbox();
    const replies: InvocationFinished[] = [];
    nats.nc.subscribe(replyTo, { callback: (err, m) => void (!err && replies.push(parseResult(m.data))) });
    await nats.nc.flush();
    await submitInvocation(nats.js, "slow", { input: { sleepMs: 10_000, echo: "x" } }, { invocationId: "failover-1", replyTo });
    // The call is running on the doomed node once its lease is committed.
    await eventually(async () => ((await leases.counters(["doomed"])).get("doomed")?.running === 1 ? true : undefined), 20_000);
    spearlet("survivor");
    await online("survivor");
    expect(replies).toHaveLength(0);
    doomed.kill("SIGKILL");

    const result = await eventually(() => replies[0], 45_000);
    expect(result).toMatchObject({ status: "succeeded", output: "x", nodeId: "survivor", attempts: 2 });
    await new Promise((r) => setTimeout(r, 500));
    expect(replies).toHaveLength(1);
  });
});
