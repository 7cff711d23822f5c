import { createInbox } from "@nats-io/transport-node";
import { afterAll, beforeAll } from "vitest";
import { api } from "../../domain/api/registry.js";
import type { InvocationFinished, InvokeRequest } from "../../domain/events/invocation.js";
import { parseConfig } from "../../services/config.js";
import { SchedulerConfig, type SchedulerConfigInput } from "../../services/scheduler/config.js";
import { startScheduler, type RunningScheduler } from "../../services/scheduler/service.js";
import { smsRequest } from "../../services/api/client.js";
import { SmsConfig } from "../../services/sms/config.js";
import { startSms, type SmsService } from "../../services/sms/service.js";
import { defaultStreamSettings } from "../../streams/catalog.js";
import type { Nats } from "../../streams/connection.js";
import { parseResult } from "../../streams/invocations/results.js";
import { submitInvocation } from "../../streams/invocations/submit.js";
import { connectTest, testLog } from "./nats.js";
import { useServers } from "./servers.js";
import { SimSpearlet, type SimBehaviour } from "./sim-spearlet.js";

/**
 * A cluster for tests of the invocation path (scheduler, SDK, CLI, gateway): real nats-server
 * and redis-server, one control plane with fast liveness, `replicas` schedulers on their own
 * connections, and simulated spearlets.
 */
export function useCluster(config: SchedulerConfigInput = {}, replicas = 1) {
  const servers = useServers({ nats: true, redis: true });
  const s: { nats?: Nats; conns: Nats[]; sms?: SmsService; schedulers: RunningScheduler[]; sims: SimSpearlet[] } = { conns: [], schedulers: [], sims: [] };
  const parsed = parseConfig(SchedulerConfig, { pickupTimeout: 2_000, queueTimeout: 5_000, reaperInterval: 100, ...config });

  const nats = () => {
    if (!s.nats) throw new Error("cluster not started");
    return s.nats;
  };
  const startReplica = async () => {
    const conn = await connectTest(servers.nats.url);
    s.conns.push(conn);
    const r = await startScheduler({ nats: conn, redisUrl: servers.redis.url, streams: defaultStreamSettings, config: parsed, log: testLog });
    s.schedulers.push(r);
    return r;
  };

  beforeAll(async () => {
    s.nats = await connectTest(servers.nats.url);
    s.sms = await startSms(s.nats, parseConfig(SmsConfig, { heartbeatInterval: 200, heartbeatTimeout: 800 }), defaultStreamSettings, testLog);
    for (let i = 0; i < replicas; i++) await startReplica();
  });
  afterAll(async () => {
    for (const sim of s.sims) await sim.crash();
    for (const r of s.schedulers) await r.stop();
    await s.sms?.stop();
    for (const c of [...s.conns, s.nats]) await c?.nc.close();
  });

  return {
    servers,
    get nats() {
      return nats();
    },
    get schedulers() {
      return s.schedulers;
    },
    startReplica,
    async spearlet(nodeId: string, slots: number, behaviour: SimBehaviour = {}, opts: { services?: string[]; languages?: string[] } = {}) {
      const conn = await connectTest(servers.nats.url);
      s.conns.push(conn);
      const sim = await new SimSpearlet(conn, servers.redis.url, nodeId, slots, behaviour).start(opts);
      s.sims.push(sim);
      return sim;
    },
    async deploy(name: string, extra: Record<string, unknown> = {}) {
      await smsRequest(nats().nc, api.functions.deploy, { name, spec: { runtime: "process", command: ["true"], ...extra } as never, activate: true });
    },
    /** Submits on the documented subject with a reply inbox and resolves with the result that arrives there. */
    async invoke(fn: string, body: Partial<InvokeRequest> & { input: unknown }, invocationId: string, timeoutMs = 20_000): Promise<InvocationFinished> {
      const inbox = createInbox();
      const sub = nats().nc.subscribe(inbox, { max: 1, timeout: timeoutMs });
      await submitInvocation(nats().js, fn, body, { invocationId, replyTo: inbox });
      for await (const m of sub) return parseResult(m.data);
      throw new Error(`no result for ${invocationId}`);
    },
  };
}
