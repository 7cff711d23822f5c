import { createInbox } from "@nats-io/transport-node";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { atNode, nodeAgentApi } from "../../../domain/api/node-agent.js";
import { api } from "../../../domain/api/registry.js";
import type { InvocationFinished } from "../../../domain/events/invocation.js";
import { NodeStatusReported } from "../../../domain/events/status.js";
import { H } from "../../../domain/headers.js";
import { subjects } from "../../../domain/subjects.js";
import { parseConfig } from "../../../services/config.js";
import { LeaseStore } from "../../../services/leases/lease-store.js";
import { ResultRecorder } from "../../../services/scheduler/result-recorder.js";
import { smsRequest } from "../../../services/api/client.js";
import { SmsConfig } from "../../../services/sms/config.js";
import { startSms, type SmsService } from "../../../services/sms/service.js";
import { defaultStreamSettings, streamNames } from "../../../streams/catalog.js";
import { rawOf } from "../../../streams/codec.js";
import type { Nats } from "../../../streams/connection.js";
import { publishAssignment } from "../../../streams/invocations/assignments.js";
import { parseRequest } from "../../../streams/invocations/request.js";
import { getResult, parseResult } from "../../../streams/invocations/results.js";
import { submitInvocation } from "../../../streams/invocations/submit.js";
import { decodeJson } from "../../../streams/json.js";
import { exited, spawnCli } from "../../support/cli.js";
import { connectTest, eventually, testLog } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

/**
 * Graceful drain of a real `spear spearlet` process on SIGTERM: the call running finishes and
 * is answered, an assignment it never started is handed back for another node, the node is
 * marked drained, a last report says so, and the process exits 0.
 */
const servers = useServers({ nats: true, redis: true });
const NODE = "drain1";
const dir = mkdtempSync(join(tmpdir(), "spear-agent-drain-"));
let nats: Nats;
let sms: SmsService;
let leases: LeaseStore;
let recorder: ResultRecorder;
const reports: NodeStatusReported[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
  sms = await startSms(nats, parseConfig(SmsConfig, { heartbeatInterval: 300, heartbeatTimeout: 10_000 }), defaultStreamSettings, testLog);
  leases = new LeaseStore({ url: servers.redis.url, name: "test-scheduler" });
  await leases.ready();
  await leases.rebuild([], { expectEpoch: null });
  // The node's results are recorded by a scheduler's recorder: the suite runs one for it.
  recorder = new ResultRecorder(nats, leases, testLog, () => undefined);
  recorder.start();
  nats.nc.subscribe(subjects.status(NODE), { callback: (err, m) => void (!err && reports.push(NodeStatusReported.parse(decodeJson(m.data)))) });
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await recorder?.stop();
  await sms?.stop();
  await leases?.close();
  await nats?.nc.close();
  rmSync(dir, { recursive: true, force: true });
});

function startSpearlet(): ChildProcess & { stderrText: () => string } {
  const child = spawnCli(
    [
      "spearlet",
      "--name", NODE,
      "--slots", "1",
      "--runtimes", "process",
      "--heartbeat", "300ms",
      "--drain-timeout", "15s",
      // its workers live in the suite's temp folder, which a confined function cannot see
      "--isolation", "off",
      "--nats", servers.nats.url,
      "--redis", servers.redis.url,
      "--data-dir", join(dir, "data"),
    ],
    { SPEAR_LOG_LEVEL: "info" },
  );
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  return Object.assign(child, { stderrText: () => stderr });
}

async function nodeState(): Promise<{ state: string; drainReason?: string | undefined } | undefined> {
  try {
    return await smsRequest(nats.nc, api.nodes.get, { nodeId: NODE });
  } catch {
    return undefined;
  }
}

/** Acts as the scheduler: request, lease, assignment with a reply inbox. */
async function assign(version: number, input: unknown) {
  const invocationId = `drain-${Math.random().toString(36).slice(2, 10)}`;
  const replyTo = createInbox();
  const replies: InvocationFinished[] = [];
  nats.nc.subscribe(replyTo, { callback: (err, m) => void (!err && replies.push(parseResult(m.data))) });
  await nats.nc.flush();
  const submitted = await submitInvocation(nats.js, "sleepy", { input }, { invocationId, replyTo });
  const reserved = await leases.reserve(NODE, 10, { invocationId, attempt: 1, ttlMs: 30_000, requestSeq: submitted.seq });
  if (!reserved.ok) throw new Error("node full");
  await publishAssignment(nats.js, {
    invocationId,
    function: "sleepy",
    version,
    attempt: 1,
    nodeId: NODE,
    leaseToken: reserved.lease.token,
    deadline: new Date(reserved.lease.expiresAt).toISOString(),
    timeoutMs: 10_000,
    requestSeq: submitted.seq,
    replyTo,
    submittedAt: new Date().toISOString(),
    input,
  });
  return { invocationId, token: reserved.lease.token, replies };
}

describe("spearlet agent: graceful drain", () => {
  it("on SIGTERM finishes the running call, hands back the unstarted one, marks the node drained, reports and exits 0", async () => {
    const worker = join(dir, "sleepy.cjs");
    writeFileSync(
      worker,
      `const send = (m) => process.stdout.write(JSON.stringify(m) + "\\n");
let buffered = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  const lines = (buffered + chunk).split("\\n");
  buffered = lines.pop();
  for (const line of lines) if (line.trim()) { const req = JSON.parse(line); setTimeout(() => send({ id: req.id, output: { slept: req.input.ms } }), req.input.ms); }
});
process.stdin.on("end", () => process.exit(0));
send({ ready: true });
`,
    );
    const { version } = await smsRequest(nats.nc, api.functions.deploy, { name: "sleepy", spec: { runtime: "process", command: ["node", worker], scaling: { minWarm: 1 } } });

    const spearlet = startSpearlet();
    await eventually(async () => ((await nodeState())?.state === "online" ? true : undefined), 20_000).catch((e: unknown) => {
      throw new Error(`the spearlet did not register: ${String(e)}\n${spearlet.stderrText()}`);
    });
    const health = await eventually(async () => {
      const h = await smsRequest(nats.nc, atNode(nodeAgentApi.health, NODE), {}).catch(() => undefined);
      return h?.healthy ? h : undefined;
    });
    expect(health).toMatchObject({ state: "serving", runtimes: ["process"], slots: 1 });
    await eventually(() => (reports.some((r) => r.transitions.some((t) => t.function === "sleepy" && t.to === "Ready")) ? true : undefined), 20_000);

    const running = await assign(version, { ms: 2_000 });
    await eventually(async () => ((await leases.counters([NODE])).get(NODE)?.running === 1 ? true : undefined));
    // One slot: this one waits in the node's consumer, never started.
    const queued = await assign(version, { ms: 1 });
    await new Promise((r) => setTimeout(r, 200));
    spearlet.kill("SIGTERM");

    expect(await eventually(() => running.replies[0], 15_000)).toMatchObject({ status: "succeeded", output: { slept: 2_000 }, nodeId: NODE });
    const retry = await eventually(async () => {
      const m = await nats.jsm.direct.getMessage(streamNames.invoke, { last_by_subj: subjects.retry("sleepy") });
      const p = m ? parseRequest(rawOf(m)) : undefined;
      return p?.ok && p.request.invocationId === queued.invocationId && p.request.attempt === 2 ? { request: p.request, reason: m?.header?.get(H.retryReason) } : undefined;
    }, 15_000);
    expect(retry.request.excludeNodes).toEqual([NODE]);
    expect(retry.reason).toMatch(/^node_draining: /);

    expect(await Promise.race([exited(spearlet), new Promise((r) => setTimeout(() => r("still running"), 20_000))])).toBe(0);
    expect(await getResult(nats.jsm, queued.invocationId)).toBeUndefined();
    expect(queued.replies).toHaveLength(0);
    expect(await leases.release(queued.token)).toMatchObject({ released: false, lease: { status: "released" } });
    expect(await leases.release(running.token)).toMatchObject({ released: false, lease: { status: "released" } });
    expect(await nodeState()).toMatchObject({ state: "draining", drainReason: "spearlet stopped" });
    const last = reports.at(-1)!;
    expect(last.draining).toBe(true);
    expect(last.usage.running).toBe(0);
    const outcomes = reports.flatMap((r) => r.outcomes);
    expect(outcomes.find((o) => o.invocationId === running.invocationId)).toMatchObject({ status: "succeeded" });
    expect(outcomes.find((o) => o.invocationId === queued.invocationId)).toMatchObject({ status: "refused", errorCode: "node_draining" });
    // The pools were closed before the last report: it tells of the worker's end.
    expect(reports.flatMap((r) => r.transitions).some((t) => t.function === "sleepy" && t.to === "Terminated")).toBe(true);
    const consumer = await nats.jsm.consumers.info(streamNames.assign, `spearlet_${NODE}`);
    expect(consumer.num_ack_pending).toBe(0);
  });

  it("lifts its own drain when it starts again, but not a drain an operator asked for", async () => {
    const stopped = (child: ChildProcess) => Promise.race([exited(child), new Promise((r) => setTimeout(() => r("still running"), 20_000))]);
    const again = startSpearlet();
    await eventually(async () => ((await nodeState())?.state === "online" ? true : undefined), 20_000).catch((e: unknown) => {
      throw new Error(`the spearlet did not come back online: ${String(e)}\n${again.stderrText()}`);
    });
    again.kill("SIGTERM");
    expect(await stopped(again)).toBe(0);
    expect(await nodeState()).toMatchObject({ state: "draining", drainReason: "spearlet stopped" });

    await smsRequest(nats.nc, api.nodes.undrain, { nodeId: NODE });
    await smsRequest(nats.nc, api.nodes.drain, { nodeId: NODE, reason: "maintenance" });
    const third = startSpearlet();
    await eventually(async () => {
      const h = await smsRequest(nats.nc, atNode(nodeAgentApi.health, NODE), {}).catch(() => undefined);
      return h?.registered ? h : undefined;
    }, 20_000);
    expect(await nodeState()).toMatchObject({ state: "draining", drainReason: "maintenance" });
    third.kill("SIGTERM");
    expect(await stopped(third)).toBe(0);
    expect(await nodeState()).toMatchObject({ state: "draining", drainReason: "maintenance" });
  });
});
