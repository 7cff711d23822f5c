import { createInbox } from "@nats-io/transport-node";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { api } from "../../../domain/api/registry.js";
import type { InvocationFinished, InvokeRequest } from "../../../domain/events/invocation.js";
import { parseConfig } from "../../../services/config.js";
import { smsRequest } from "../../../services/api/client.js";
import { SmsConfig } from "../../../services/sms/config.js";
import { startSms, type SmsService } from "../../../services/sms/service.js";
import { defaultStreamSettings, type StreamSettings } from "../../../streams/catalog.js";
import type { Nats } from "../../../streams/connection.js";
import { parseResult } from "../../../streams/invocations/results.js";
import { submitInvocation } from "../../../streams/invocations/submit.js";
import { exited, spawnCli } from "../../support/cli.js";
import { connectTest, eventually, testLog } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

const worker = join(import.meta.dirname, "..", "..", "support", "workers", "sleepy.cjs");

export interface Call {
  readonly invocationId: string;
  /** Every message that reached the reply subject. */
  readonly replies: InvocationFinished[];
  /** Their raw bodies, to compare byte for byte. */
  readonly bodies: string[];
  result(timeoutMs?: number): Promise<InvocationFinished>;
}

/**
 * Real processes for fault tests: the suite's own nats-server and redis-server, a control
 * plane in this process (fast liveness), and schedulers and spearlets as `spear` processes a
 * test can kill -9 and start again. A process function (test/support/workers/sleepy.cjs) logs
 * each execution, so a test counts how often an invocation ran.
 */
export function useFaultCluster(o: { streams?: Partial<StreamSettings>; env?: NodeJS.ProcessEnv } = {}) {
  const servers = useServers({ nats: true, redis: true });
  const dir = mkdtempSync(join(tmpdir(), "spear-faults-"));
  const execLog = join(dir, "executions.log");
  const streams = { ...defaultStreamSettings, ...o.streams };
  const env: NodeJS.ProcessEnv = {
    SPEAR_DEDUPE_WINDOW: `${streams.dedupeWindowMs}ms`,
    SPEAR_HEARTBEAT_INTERVAL: "300ms",
    ...o.env,
  };
  const children: ChildProcess[] = [];
  const s: { nats?: Nats; sms?: SmsService } = {};
  const nats = () => {
    if (!s.nats) throw new Error("suite not started");
    return s.nats;
  };

  beforeAll(async () => {
    s.nats = await connectTest(servers.nats.url, streams);
    s.sms = await startSms(s.nats, parseConfig(SmsConfig, { heartbeatInterval: 300, heartbeatTimeout: 3_000 }), streams, testLog);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await Promise.all(children.map((c) => exited(c)));
    await s.sms?.stop();
    await s.nats?.nc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const spawn = (args: string[]): ChildProcess => {
    const child = spawnCli([...args, "--nats", servers.nats.url, "--redis", servers.redis.url], env);
    if (process.env.SPEAR_TEST_SERVICE_LOGS) child.stderr?.pipe(process.stderr);
    children.push(child);
    return child;
  };

  return {
    servers,
    get nats(): Nats {
      return nats();
    },
    dir,
    /** A scheduler process. */
    scheduler: (...flags: string[]) => spawn(["scheduler", "--pickup-timeout", "3s", ...flags]),
    /**
     * A spearlet process running process functions, unconfined: the functions here write their
     * execution logs into the suite's temp folder, which a confined function cannot see (its
     * /tmp is its own). Confinement has suites of its own (spearlet/isolation*.test.ts).
     */
    spearlet: (name: string, slots: number, ...flags: string[]) =>
      spawn(["spearlet", "--name", name, "--slots", String(slots), "--runtimes", "process", "--heartbeat", "300ms", "--isolation", "off", "--data-dir", join(dir, name), ...flags]),
    online: (nodeId: string) =>
      eventually(async () => ((await smsRequest(nats().nc, api.nodes.get, { nodeId }).catch(() => undefined))?.state === "online" ? true : undefined), 20_000),
    /** The sleepy worker as a process function. */
    deploy: (name: string, limits: { timeoutMs?: number; memoryMb?: number } = {}) =>
      smsRequest(nats().nc, api.functions.deploy, {
        name,
        spec: { runtime: "process", command: ["node", worker], env: { SPEAR_TEST_EXEC_LOG: execLog }, limits: { timeoutMs: 10_000, ...limits } },
      }),
    /** Submits on the documented subject with a reply subject of its own. */
    async call(fn: string, body: Partial<InvokeRequest>, invocationId: string): Promise<Call> {
      const replyTo = createInbox();
      const replies: InvocationFinished[] = [];
      const bodies: string[] = [];
      nats().nc.subscribe(replyTo, {
        callback: (err, m) => {
          if (err) return;
          bodies.push(m.string());
          replies.push(parseResult(m.data));
        },
      });
      await nats().nc.flush();
      await submitInvocation(nats().js, fn, body, { invocationId, replyTo });
      return { invocationId, replies, bodies, result: (timeoutMs = 30_000) => eventually(() => replies[0], timeoutMs, 20) };
    },
    /** How often each invocation id ran (from the worker's log). */
    executions(id: string): number {
      if (!existsSync(execLog)) return 0;
      return readFileSync(execLog, "utf8").split("\n").filter((l) => l === id).length;
    },
  };
}
