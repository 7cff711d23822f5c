import { createInbox, headers as natsHeaders } from "@nats-io/transport-node";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../../../domain/api/registry.js";
import type { InvocationFinished } from "../../../domain/events/invocation.js";
import { H } from "../../../domain/headers.js";
import { subjects } from "../../../domain/subjects.js";
import { uploadArtifact } from "../../../services/api/artifact-upload.js";
import { smsRequest } from "../../../services/api/client.js";
import { parseConfig } from "../../../services/config.js";
import { GatewayConfig } from "../../../services/gateway/config.js";
import { startGateway, type RunningGateway } from "../../../services/gateway/server.js";
import { SchedulerConfig } from "../../../services/scheduler/config.js";
import { startScheduler, type RunningScheduler } from "../../../services/scheduler/service.js";
import { SmsConfig } from "../../../services/sms/config.js";
import { startSms, type SmsService } from "../../../services/sms/service.js";
import { startSpearlet, type Spearlet } from "../../../services/spearlet/agent/agent.js";
import { SpearletConfig } from "../../../services/spearlet/agent/config.js";
import { SpearClient } from "../../../services/sdk/index.js";
import { startTracing, type Tracing } from "../../../services/telemetry/tracing.js";
import { defaultStreamSettings, streamNames } from "../../../streams/catalog.js";
import { connectNats, type Nats } from "../../../streams/connection.js";
import { loadRequest } from "../../../streams/invocations/load-request.js";
import { parseResult } from "../../../streams/invocations/results.js";
import { requestRetry } from "../../../streams/invocations/submit.js";
import { traceHeadersOf } from "../../../streams/trace-headers.js";
import { http } from "../gateway/harness.js";
import { startOtlpReceiver, type ReceivedSpan } from "../../support/otlp-receiver.js";
import { connectTest, eventually, testLog } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

const root = join(import.meta.dirname, "..", "..", "..");
const NODE = "tr-node-1";
const FN = "tr-echo";
/** OpenTelemetry span kinds as OTLP numbers them. */
const KIND = { server: 2, producer: 4, consumer: 5 } as const;

const servers = useServers({ nats: true, redis: true, nodeIds: [NODE] });
const s: {
  receiver?: Awaited<ReturnType<typeof startOtlpReceiver>>;
  tracings: Tracing[];
  conns: Nats[];
  sms?: SmsService;
  scheduler?: RunningScheduler;
  spearlet?: Spearlet;
  traced?: RunningGateway;
  untraced?: RunningGateway;
  dir?: string;
} = { tracings: [], conns: [] };

const receiver = () => s.receiver!;
const nats = () => s.conns[0]!;

function tracing(service: string, global = false): Tracing {
  const t = startTracing({ service, tracesUrl: `${receiver().url}/v1/traces`, scheduledDelayMs: 50, global });
  s.tracings.push(t);
  return t;
}

async function connect(url = servers.nats.url): Promise<Nats> {
  const c = await connectTest(url);
  s.conns.push(c);
  return c;
}

beforeAll(async () => {
  s.receiver = await startOtlpReceiver();
  const admin = await connect();
  s.sms = await startSms(admin, parseConfig(SmsConfig, { heartbeatInterval: 500, heartbeatTimeout: 10_000 }), defaultStreamSettings, testLog);
  s.scheduler = await startScheduler({
    nats: await connect(),
    redisUrl: servers.redis.url,
    streams: defaultStreamSettings,
    config: parseConfig(SchedulerConfig, { queueTimeout: 10_000 }),
    log: testLog,
    tracer: tracing("scheduler").tracer,
  });
  s.dir = mkdtempSync(join(tmpdir(), "spear-traces-"));
  const agentNats = await connectNats({ url: servers.nats.urlAs("spearlet", NODE), name: `spear-spearlet-${NODE}`, longLived: true });
  s.conns.push(agentNats);
  s.spearlet = await startSpearlet({
    nats: agentNats,
    redisUrl: servers.redis.url,
    config: parseConfig(SpearletConfig, { name: NODE, slots: 4, runtimes: ["wasm"], dataDir: s.dir, baseDir: root, heartbeat: 500, isolation: false }),
    streams: defaultStreamSettings,
    log: testLog,
    tracer: tracing("spearlet").tracer,
  });
  await s.spearlet.registration;
  const { artifact } = await uploadArtifact(admin.nc, admin.js, join(root, "examples", "echo", "build", "echo.wasm"));
  await smsRequest(admin.nc, api.functions.deploy, { name: FN, spec: { runtime: "wasm", artifact: { sha256: artifact.sha256, size: artifact.size } } as never, activate: true });
  const gatewayConfig = parseConfig(GatewayConfig, { port: 0 });
  s.traced = await startGateway({ nats: await connect(), config: gatewayConfig, log: testLog, streams: defaultStreamSettings, tracer: tracing("gateway").tracer });
  s.untraced = await startGateway({ nats: await connect(), config: gatewayConfig, log: testLog, streams: defaultStreamSettings });
}, 60_000);

afterAll(async () => {
  await s.traced?.close();
  await s.untraced?.close();
  if (s.spearlet && s.spearlet.state !== "stopped") await s.spearlet.drain();
  await s.scheduler?.stop();
  await s.sms?.stop();
  for (const t of s.tracings) await t.shutdown();
  for (const c of s.conns) await c.nc.close();
  await s.receiver?.close();
  if (s.dir) rmSync(s.dir, { recursive: true, force: true });
});

/** The spans of one invocation once every service exported them: the scheduler's `place` and the node's `run` at least. */
async function spansOf(invocationId: string, expected: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
  return eventually(async () => {
    await Promise.all(s.tracings.map((t) => t.flush()));
    const traceIds = new Set(receiver().spans.filter((x) => x.attributes["spear.invocation.id"] === invocationId).map((x) => x.traceId));
    const spans = receiver().spans.filter((x) => traceIds.has(x.traceId));
    return expected(spans) ? spans : undefined;
  }, 15_000, 100);
}

const one = (spans: ReceivedSpan[], service: string, name: string) => {
  const found = spans.filter((x) => x.service === service && x.name === name);
  expect(found, `${service} ${name} in ${JSON.stringify(spans.map((x) => [x.service, x.name]))}`).toHaveLength(1);
  return found[0]!;
};

const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join("");
const callerContext = () => {
  const traceId = hex(32);
  const spanId = hex(16);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
};

/** Publishes a request as any NATS client would, with the headers given, and waits for the result on its inbox. */
async function plainInvoke(invocationId: string, extra: Record<string, string>): Promise<{ result: InvocationFinished; replyTrace: string | undefined }> {
  const { nc, js } = nats();
  const inbox = createInbox();
  const sub = nc.subscribe(inbox, { max: 1, timeout: 15_000 });
  const h = natsHeaders();
  h.set(H.replyTo, inbox);
  for (const [k, v] of Object.entries(extra)) h.set(k, v);
  await js.publish(subjects.invoke(FN), new TextEncoder().encode(JSON.stringify({ input: { hello: invocationId } })), { msgID: invocationId, headers: h });
  for await (const m of sub) return { result: parseResult(m.data), replyTrace: traceHeadersOf(m.headers)?.traceparent };
  throw new Error(`no result for ${invocationId}`);
}

describe("traces across NATS", () => {
  it("one invoke through the gateway: the HTTP span is the parent of the scheduler's place span, which is the parent of the node's run span", async () => {
    const answer = await http(s.traced!.url, "POST", `/v1/functions/${FN}:invoke`, { body: { input: { n: 1 }, invocationId: "tr-gw-1" } });
    expect(answer.status).toBe(200);
    expect(answer.json.status).toBe("succeeded");
    const spans = await spansOf("tr-gw-1", (x) => x.some((y) => y.service === "spear-gateway") && x.some((y) => y.name === "run"));
    const gateway = one(spans, "spear-gateway", "POST /v1/functions/{name}:invoke");
    const place = one(spans, "spear-scheduler", "place");
    const run = one(spans, "spear-spearlet", "run");
    expect(new Set(spans.map((x) => x.traceId)).size).toBe(1);
    expect(gateway).toMatchObject({ kind: KIND.server, parentSpanId: "" });
    expect(gateway.attributes).toMatchObject({ "http.request.method": "POST", "http.response.status_code": 200, "spear.invocation.id": "tr-gw-1" });
    expect(place).toMatchObject({ kind: KIND.consumer, parentSpanId: gateway.spanId });
    expect(place.attributes).toMatchObject({ "spear.function": FN, "spear.attempt": 1, "spear.outcome": "placed", "spear.node.id": NODE, "messaging.system": "nats" });
    expect(run).toMatchObject({ kind: KIND.consumer, parentSpanId: place.spanId });
    expect(run.attributes).toMatchObject({ "spear.invocation.id": "tr-gw-1", "spear.outcome": "succeeded", "spear.node.id": NODE });
    expect(typeof run.attributes["spear.cold_start"]).toBe("boolean");
    // The recorded result names the run span: the trace goes on to the end of the invocation.
    const stored = await nats().jsm.direct.getMessage(streamNames.results, { last_by_subj: subjects.result("tr-gw-1") });
    expect(traceHeadersOf(stored?.header)?.traceparent).toBe(`00-${run.traceId}-${run.spanId}-01`);
  });

  it("continues the HTTP caller's trace, through a gateway that traces and through one that does not", async () => {
    const caller = callerContext();
    const a = await http(s.traced!.url, "POST", `/v1/functions/${FN}:invoke`, { body: { input: 1, invocationId: "tr-gw-2" }, headers: { traceparent: caller.traceparent, tracestate: "vendor=x" } });
    expect(a.json.status).toBe("succeeded");
    const traced = await spansOf("tr-gw-2", (x) => x.some((y) => y.name === "run"));
    const gateway = one(traced, "spear-gateway", "POST /v1/functions/{name}:invoke");
    expect(gateway).toMatchObject({ traceId: caller.traceId, parentSpanId: caller.spanId });
    expect(one(traced, "spear-scheduler", "place").parentSpanId).toBe(gateway.spanId);

    const other = callerContext();
    const b = await http(s.untraced!.url, "POST", `/v1/functions/${FN}:invoke`, { body: { input: 2, invocationId: "tr-gw-3" }, headers: { traceparent: other.traceparent } });
    expect(b.json.status).toBe("succeeded");
    const passed = await spansOf("tr-gw-3", (x) => x.some((y) => y.name === "run"));
    expect(passed.some((x) => x.service === "spear-gateway" && x.traceId === other.traceId)).toBe(false);
    const place = one(passed, "spear-scheduler", "place");
    expect(place).toMatchObject({ traceId: other.traceId, parentSpanId: other.spanId });
    expect(one(passed, "spear-spearlet", "run").parentSpanId).toBe(place.spanId);
  });

  it("continues the trace of a plain NATS client that sets traceparent, and its retry stays in the same trace", async () => {
    const caller = callerContext();
    const { result, replyTrace } = await plainInvoke("tr-nats-1", { traceparent: caller.traceparent });
    expect(result.status).toBe("succeeded");
    const spans = await spansOf("tr-nats-1", (x) => x.some((y) => y.name === "run"));
    const place = one(spans, "spear-scheduler", "place");
    const run = one(spans, "spear-spearlet", "run");
    expect(place).toMatchObject({ traceId: caller.traceId, parentSpanId: caller.spanId });
    expect(run).toMatchObject({ traceId: caller.traceId, parentSpanId: place.spanId });
    expect(replyTrace).toBe(`00-${caller.traceId}-${run.spanId}-01`);

    // The next attempt (as a reaper or a node asks for it) carries the caller's trace: its placement is in the same trace.
    const stored = await nats().jsm.direct.getMessage(streamNames.invoke, { last_by_subj: subjects.invoke(FN) });
    const loaded = await loadRequest(nats().jsm, stored!.seq);
    if (!loaded?.ok) throw new Error("the request could not be read back");
    await requestRetry(nats().js, loaded.request, { code: "lease_expired", message: "test" }, { refusal: true });
    const retried = await spansOf("tr-nats-1", (x) => x.some((y) => y.name === "place" && y.attributes["spear.attempt"] === 2));
    const second = retried.find((x) => x.name === "place" && x.attributes["spear.attempt"] === 2)!;
    // The invocation has its result already: the attempt runs nothing, and says so.
    expect(second).toMatchObject({ traceId: caller.traceId, parentSpanId: caller.spanId });
    expect(second.attributes["spear.outcome"]).toBe("answered");
  });

  it("ignores a malformed traceparent from a client: the call runs, in a trace of its own", async () => {
    const bad = "00-zzzz-not-a-trace-context-at-all-but-long-enough-to-look-01";
    const { result } = await plainInvoke("tr-nats-bad", { traceparent: bad, tracestate: "x".repeat(10_000) });
    expect(result.status).toBe("succeeded");
    const spans = await spansOf("tr-nats-bad", (x) => x.some((y) => y.name === "run"));
    const place = one(spans, "spear-scheduler", "place");
    expect(place.parentSpanId).toBe("");
    expect(one(spans, "spear-spearlet", "run").parentSpanId).toBe(place.spanId);
  });

  it("continues the trace of a client of the sync verb (core NATS request/reply) that sets traceparent", async () => {
    const caller = callerContext();
    const h = natsHeaders();
    h.set(H.traceparent, caller.traceparent);
    const reply = await nats().nc.request(`spear.api.invoke.${FN}`, new TextEncoder().encode(JSON.stringify({ input: 3, invocationId: "tr-sync-1" })), { timeout: 15_000, headers: h });
    expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({ ok: true, result: { status: "succeeded" } });
    const spans = await spansOf("tr-sync-1", (x) => x.some((y) => y.name === "run"));
    expect(one(spans, "spear-scheduler", "place")).toMatchObject({ traceId: caller.traceId, parentSpanId: caller.spanId });
  });

  it("starts the trace in the SDK with an invoke span when the application registered a tracing SDK", async () => {
    const app = tracing("app", true);
    const client = await SpearClient.fromConnection(nats().nc);
    const result = await client.invokeForResult(FN, { sdk: true }, { invocationId: "tr-sdk-1" });
    expect(result.status).toBe("succeeded");
    await app.shutdown();
    const spans = await spansOf("tr-sdk-1", (x) => x.some((y) => y.name === "invoke") && x.some((y) => y.name === "run"));
    const invoke = one(spans, "spear-app", "invoke");
    expect(invoke).toMatchObject({ kind: KIND.producer, parentSpanId: "" });
    expect(invoke.attributes).toMatchObject({ "spear.function": FN, "spear.invocation.status": "succeeded", "messaging.destination.name": subjects.invoke(FN) });
    const place = one(spans, "spear-scheduler", "place");
    expect(place.parentSpanId).toBe(invoke.spanId);
    expect(one(spans, "spear-spearlet", "run").parentSpanId).toBe(place.spanId);
  });
});
