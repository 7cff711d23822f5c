import { createInbox, type Subscription } from "@nats-io/transport-node";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { z } from "zod";
import { atNode, nodeAgentApi } from "../../../domain/api/node-agent.js";
import { api } from "../../../domain/api/registry.js";
import type { FunctionSpec } from "../../../domain/events/function.js";
import type { InvocationFinished } from "../../../domain/events/invocation.js";
import { NodeStatusReported } from "../../../domain/events/status.js";
import { subjects } from "../../../domain/subjects.js";
import { parseConfig } from "../../../services/config.js";
import { LeaseStore } from "../../../services/leases/lease-store.js";
import { ResultRecorder } from "../../../services/scheduler/result-recorder.js";
import { uploadArtifact } from "../../../services/api/artifact-upload.js";
import { smsRequest } from "../../../services/api/client.js";
import { SmsConfig } from "../../../services/sms/config.js";
import { startSms, type SmsService } from "../../../services/sms/service.js";
import { startSpearlet, type Spearlet } from "../../../services/spearlet/agent/agent.js";
import { SpearletConfig, type SpearletConfigInput } from "../../../services/spearlet/agent/config.js";
import { defaultStreamSettings } from "../../../streams/catalog.js";
import { connectNats, type Nats } from "../../../streams/connection.js";
import { publishAssignment } from "../../../streams/invocations/assignments.js";
import { parseResult } from "../../../streams/invocations/results.js";
import { submitInvocation } from "../../../streams/invocations/submit.js";
import { decodeJson } from "../../../streams/json.js";
import { connectTest, eventually, testLog } from "../../support/nats.js";
import { useServers, type TestServer } from "../../support/servers.js";

export const repoRoot = join(import.meta.dirname, "..", "..", "..");

type SpecInput = Omit<Partial<z.input<typeof FunctionSpec>>, "limits" | "scaling" | "grants"> & {
  limits?: Partial<FunctionSpec["limits"]>;
  scaling?: Partial<FunctionSpec["scaling"]>;
  grants?: Partial<FunctionSpec["grants"]>;
};

export interface Assigned {
  readonly invocationId: string;
  readonly requestSeq: number;
  readonly leaseToken: string;
  /** Every message that reached the reply subject. */
  readonly replies: InvocationFinished[];
  /** The first reply, waited for (bounded). */
  result(timeoutMs?: number): Promise<InvocationFinished>;
}

export interface AssignOptions {
  readonly version: number;
  readonly timeoutMs?: number;
  /** The lease's pickup window (its TTL before commit). */
  readonly leaseTtlMs?: number;
  /** Overrides the deadline written into the assignment (default: the lease's expiry). */
  readonly deadline?: string;
  /** Called between reserving the lease and publishing the assignment. */
  readonly beforePublish?: (leaseToken: string) => Promise<void>;
}

/**
 * One suite's world: its own nats-server and redis-server, a control plane (`startSms`
 * in-process), a spearlet agent on its own connection, and the test acting as the scheduler
 * (reserving leases, publishing assignments with a reply inbox it listens on, and recording the
 * node's results with the scheduler's recorder). Status reports
 * of the node are collected as they are published.
 */
export function useSpearlet(nodeId: string, config: Partial<SpearletConfigInput> = {}) {
  const servers = useServers({ nats: true, redis: true, nodeIds: [nodeId] });
  const s: {
    nats?: Nats;
    agentNats?: Nats;
    sms?: SmsService;
    leases?: LeaseStore;
    recorder?: ResultRecorder;
    spearlet?: Spearlet;
    subs: Subscription[];
    dirs: string[];
  } = { subs: [], dirs: [] };
  const reports: NodeStatusReported[] = [];
  let seq = 0;

  const nats = () => {
    if (!s.nats) throw new Error("suite not started");
    return s.nats;
  };
  const tempDir = (what: string) => {
    const dir = mkdtempSync(join(tmpdir(), `spear-agent-${what}-`));
    s.dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    s.nats = await connectTest(servers.nats.url);
    s.sms = await startSms(s.nats, parseConfig(SmsConfig, { heartbeatInterval: 500, heartbeatTimeout: 10_000 }), defaultStreamSettings, testLog);
    s.leases = new LeaseStore({ url: servers.redis.url, name: "test-scheduler" });
    await s.leases.ready();
    await s.leases.rebuild([], { expectEpoch: null });
    // The node's results are recorded by a scheduler's recorder: the suite runs one for it.
    s.recorder = new ResultRecorder(s.nats, s.leases, testLog, () => undefined);
    s.recorder.start();
    s.subs.push(
      s.nats.nc.subscribe(subjects.status(nodeId), {
        callback: (err, m) => {
          if (!err) reports.push(NodeStatusReported.parse(decodeJson(m.data)));
        },
      }),
    );
    // The agent connects with its node's own identity, so every test runs it under its real permissions.
    s.agentNats = await connectNats({ url: servers.nats.urlAs("spearlet", nodeId), name: `spear-spearlet-${nodeId}`, longLived: true });
    s.spearlet = await startSpearlet({
      nats: s.agentNats,
      redisUrl: servers.redis.url,
      config: parseConfig(SpearletConfig, {
        name: nodeId,
        slots: 4,
        runtimes: ["wasm", "process"],
        dataDir: tempDir("data"),
        baseDir: repoRoot,
        heartbeat: 1_000,
        versionWait: 1_000,
        // The workers here are written to the suite's temp folders, which a confined function
        // cannot see (its /tmp is its own); confinement has suites of its own (isolation*.test.ts).
        isolation: false,
        ...config,
      }),
      streams: defaultStreamSettings,
      log: testLog,
    });
    await s.spearlet.registration;
  });

  afterAll(async () => {
    if (s.spearlet && s.spearlet.state !== "stopped") await s.spearlet.drain();
    for (const sub of s.subs) sub.unsubscribe();
    await s.recorder?.stop();
    await s.sms?.stop();
    await s.leases?.close();
    await s.agentNats?.nc.close();
    await s.nats?.nc.close();
    for (const dir of s.dirs) rmSync(dir, { recursive: true, force: true });
  });

  const deploy = async (name: string, spec: SpecInput & { runtime: FunctionSpec["runtime"] }, activate = true): Promise<number> => {
    const out = await smsRequest(nats().nc, api.functions.deploy, { name, spec: spec as z.input<typeof FunctionSpec>, activate });
    return out.version;
  };

  return {
    get nats(): Nats {
      return nats();
    },
    get leases(): LeaseStore {
      if (!s.leases) throw new Error("suite not started");
      return s.leases;
    },
    get spearlet(): Spearlet {
      if (!s.spearlet) throw new Error("suite not started");
      return s.spearlet;
    },
    get redisUrl(): string {
      return servers.redis.url;
    },
    /** The suite's nats-server (to restart it). */
    get server(): TestServer {
      return servers.nats;
    },
    reports,
    tempDir,
    deploy,

    /** Uploads a WebAssembly module as an artifact and deploys it. */
    async deployWasm(name: string, bytes: Uint8Array, spec: SpecInput = {}, activate = true): Promise<number> {
      const file = join(tempDir("artifact"), `${name}.wasm`);
      writeFileSync(file, bytes);
      const { artifact } = await uploadArtifact(nats().nc, nats().js, file);
      return deploy(name, { ...spec, runtime: "wasm", artifact: { sha256: artifact.sha256, size: artifact.size } }, activate);
    },

    /** Acts as the scheduler: submits the request, reserves a lease, publishes the assignment with a reply inbox. */
    async assign(fn: string, input: unknown, o: AssignOptions): Promise<Assigned> {
      const { nc, js } = nats();
      const invocationId = `inv-${++seq}-${randomBytes(3).toString("hex")}`;
      const replyTo = createInbox();
      const replies: InvocationFinished[] = [];
      s.subs.push(
        nc.subscribe(replyTo, {
          callback: (err, m) => {
            if (!err) replies.push(parseResult(m.data));
          },
        }),
      );
      await nc.flush();
      const submitted = await submitInvocation(js, fn, { input }, { invocationId, replyTo });
      const leases = s.leases!;
      const reserved = await leases.reserve(nodeId, 1_000, { invocationId, attempt: 1, ttlMs: o.leaseTtlMs ?? 10_000, requestSeq: submitted.seq });
      if (!reserved.ok) throw new Error(`node ${nodeId} is full`);
      await o.beforePublish?.(reserved.lease.token);
      await publishAssignment(js, {
        invocationId,
        function: fn,
        version: o.version,
        attempt: 1,
        nodeId,
        leaseToken: reserved.lease.token,
        deadline: o.deadline ?? new Date(reserved.lease.expiresAt).toISOString(),
        timeoutMs: o.timeoutMs ?? 5_000,
        requestSeq: submitted.seq,
        replyTo,
        submittedAt: new Date().toISOString(),
        input,
      });
      return {
        invocationId,
        requestSeq: submitted.seq,
        leaseToken: reserved.lease.token,
        replies,
        result: (timeoutMs = 20_000) => eventually(() => replies[0], timeoutMs, 10),
      };
    },

    /** Everything reported about this node so far. */
    outcomes: () => reports.flatMap((r) => r.outcomes),
    transitions: () => reports.flatMap((r) => r.transitions),
    outcomeOf: (invocationId: string) => eventually(() => reports.flatMap((r) => r.outcomes).find((o) => o.invocationId === invocationId), 10_000, 20),

    stats: () => smsRequest(nats().nc, atNode(nodeAgentApi.stats, nodeId), {}),
    health: () => smsRequest(nats().nc, atNode(nodeAgentApi.health, nodeId), {}),
  };
}
