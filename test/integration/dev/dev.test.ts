import { connect, createInbox, headers } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import getPort from "get-port";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRunning } from "../../../infra/local/dev-stop.js";
import { readDevState, type DevState } from "../../../services/config.js";
import { runCli } from "../../support/cli.js";
import { eventually } from "../../support/nats.js";
import { parseMetrics, promtool, runPromtool, sampleSum, type MetricFamily } from "../../support/prometheus-text.js";

const dataDir = mkdtempSync(join(tmpdir(), "spear-dev-"));
const dd = ["--data-dir", dataDir];
let state: DevState;


beforeAll(async () => {
  const ports = ["--nats-port", String(await getPort()), "--redis-port", String(await getPort()), "--gateway-port", String(await getPort())];
  const up = await runCli(["dev", "--detach", ...dd, ...ports], {}, 180_000);
  expect(up.code, up.stderr).toBe(0);
  expect(up.stdout).toContain("Spear is up.");
  state = readDevState(dataDir)!;
}, 200_000);

afterAll(async () => {
  if (state) await runCli(["dev", "stop", ...dd], {}, 120_000);
  rmSync(dataDir, { recursive: true, force: true });
}, 150_000);

describe("spear dev: the whole system on one machine", () => {
  it("runs every part and deploys the examples", () => {
    expect(Object.keys(state.pids).sort()).toEqual(
      ["gateway", "nats-server", "projections", "redis-server", "scheduler", "sms", "spearlet-dev-1", "spearlet-dev-2"].sort(),
    );
    for (const pid of Object.values(state.pids)) expect(isRunning(pid)).toBe(true);
  });

  it("answers `spear invoke` for each example function", async () => {
    const echo = await runCli(["invoke", "echo", "--data", '{"hello":"world"}', ...dd]);
    expect(echo.code, echo.stderr).toBe(0);
    expect(JSON.parse(echo.stdout)).toEqual({ hello: "world" });
    const wc = await runCli(["invoke", "wordcount", "--data", '"the quick brown fox"', ...dd]);
    expect(JSON.parse(wc.stdout)).toMatchObject({ words: 4, bytes: 19 });
    const text = await runCli(["invoke", "wc", "--data", '{"text":"one two\\nthree"}', ...dd]);
    expect(JSON.parse(text.stdout)).toMatchObject({ lines: 2, words: 3 });
  });

  it("answers the same through the HTTP gateway, with the printed token and not without", async () => {
    const call = (auth: Record<string, string>) =>
      fetch(`${state.gatewayUrl}/v1/functions/echo:invoke`, {
        method: "POST",
        headers: { "content-type": "application/json", ...auth },
        body: JSON.stringify({ input: { via: "http" } }),
      });
    expect((await call({})).status).toBe(401);
    const res = await call({ authorization: `Bearer ${state.credentials!.gateway.token}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "succeeded", output: { via: "http" } });
  });

  it("refuses an anonymous NATS connection", async () => {
    await expect(connect({ servers: state.natsUrl, reconnect: false })).rejects.toThrow(/Authorization Violation/);
  });

  it("answers a plain NATS client with the client identity, knowing only the documented subjects and JSON", async () => {
    const client = new URL(state.credentials!.client.natsUrl);
    const nc = await connect({ servers: state.natsUrl, user: decodeURIComponent(client.username), pass: decodeURIComponent(client.password) });
    try {
      const sync = await nc.request("spear.api.invoke.echo", JSON.stringify({ input: { via: "nats-request" } }), { timeout: 10_000 });
      expect(JSON.parse(sync.string())).toMatchObject({ ok: true, result: { status: "succeeded", output: { via: "nats-request" } } });

      const inbox = createInbox();
      const sub = nc.subscribe(inbox, { max: 1, timeout: 10_000 });
      const h = headers();
      h.set("Nats-Msg-Id", "plain-client-1");
      h.set("Spear-Reply-To", inbox);
      await jetstream(nc).publish("spear.invoke.echo", JSON.stringify({ input: { via: "jetstream" } }), { headers: h });
      for await (const m of sub) expect(JSON.parse(m.string())).toMatchObject({ invocationId: "plain-client-1", status: "succeeded", output: { via: "jetstream" } });
    } finally {
      await nc.close();
    }
  });

  it("returns an id at once for an async invoke, and `spear invocations get` shows the result when done", async () => {
    const sub = await runCli(["invoke", "wordcount", "--async", "--data", '"a b c"', ...dd]);
    expect(sub.code, sub.stderr).toBe(0);
    const id = sub.stdout.trim();
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    const got = await eventually(async () => {
      const r = await runCli(["invocations", "get", id, "--json", ...dd]);
      const body = JSON.parse(r.stdout);
      return body.status ? body : undefined;
    }, 30_000, 250);
    expect(got).toMatchObject({ invocationId: id, status: "succeeded", output: { words: 3 } });
  });

  it("serves Prometheus metrics on every process's monitor port, with values from the invokes above, and lists the ports for a Prometheus", async (ctx) => {
    const scrape = async (name: string) => {
      const url = state.processes?.[name]?.monitorUrl;
      expect(url, name).toBeDefined();
      const res = await fetch(`${url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      if (promtool) expect(runPromtool(["check", "metrics"], text).output, name).not.toMatch(/pars/i);
      return parseMetrics(text);
    };
    // A path no route takes is counted as `unmatched`, never by its URL (refused before routing without a token).
    const stray = (await fetch(`${state.gatewayUrl}/no/such/route-42`)).status;
    expect([401, 404]).toContain(stray);
    const services = { sms: "sms", projections: "projections", scheduler: "scheduler", "spearlet-dev-1": "spearlet", "spearlet-dev-2": "spearlet", gateway: "gateway" };
    const m = Object.fromEntries(await Promise.all(Object.keys(services).map(async (name) => [name, await scrape(name)] as const)));
    for (const [name, service] of Object.entries(services)) {
      expect(sampleSum(m[name]!, "spear_build_info", { service }), name).toBe(1);
      expect(sampleSum(m[name]!, "spear_nats_connected"), name).toBe(1);
      expect(sampleSum(m[name]!, "process_cpu_seconds_total"), name).toBeGreaterThan(0);
    }
    const { scheduler, sms, projections, gateway } = m as Record<string, Map<string, MetricFamily>>;
    const spearlets = (metric: string, labels?: Record<string, string>) => (sampleSum(m["spearlet-dev-1"]!, metric, labels) ?? 0) + (sampleSum(m["spearlet-dev-2"]!, metric, labels) ?? 0);
    // Invocations, counted where their results were recorded; the scheduler's own work and its leases.
    for (const fn of ["echo", "wordcount", "wc"]) expect(sampleSum(scheduler!, "spear_invocations_total", { function: fn, status: "succeeded" }), fn).toBeGreaterThan(0);
    for (const h of ["spear_invocation_duration_seconds", "spear_invocation_queue_seconds", "spear_invocation_run_seconds"]) expect(sampleSum(scheduler!, h, { function: "echo" }), h).toBeGreaterThan(0);
    expect(sampleSum(scheduler!, "spear_scheduler_requests_total", { kind: "first" })).toBeGreaterThan(0);
    expect(sampleSum(scheduler!, "spear_scheduler_placements_total", { function: "echo" })).toBeGreaterThan(0);
    expect(sampleSum(scheduler!, "spear_scheduler_results_total", { outcome: "recorded" })).toBeGreaterThan(0);
    expect(sampleSum(scheduler!, "spear_lease_operations_total", { operation: "reserve", result: "ok" })).toBeGreaterThan(0);
    expect(sampleSum(scheduler!, "spear_redis_connected")).toBe(1);
    expect(sampleSum(scheduler!, "spear_scheduler_queued_requests")).toBe(0);
    // The nodes: slots, instances, calls, the binary cache.
    expect(spearlets("spear_spearlet_slots")).toBe(8);
    expect(spearlets("spear_spearlet_instances")).toBeGreaterThan(0);
    expect(spearlets("spear_spearlet_attempts_total", { status: "succeeded" })).toBeGreaterThan(0);
    expect(spearlets("spear_spearlet_call_duration_seconds", { function: "echo" })).toBeGreaterThan(0);
    expect(spearlets("spear_spearlet_binary_fetches_total")).toBeGreaterThan(0);
    expect(spearlets("spear_lease_operations_total", { operation: "commit", result: "ok" })).toBeGreaterThan(0);
    // The control plane's view of the cluster, and its API.
    expect(sampleSum(sms!, "spear_cluster_nodes", { state: "online" })).toBe(2);
    expect(sampleSum(sms!, "spear_cluster_functions")).toBeGreaterThanOrEqual(3);
    expect(sampleSum(sms!, "spear_api_requests_total", { endpoint: "spear.api.functions.deploy", outcome: "ok" })).toBeGreaterThan(0);
    expect(sampleSum(sms!, "spear_dead_letters", { source: "invocation" })).toBe(0);
    // Every projection worker: events applied, owned, caught up or nearly.
    expect(sampleSum(projections!, "spear_projection_events_applied_total", { projection: "function-catalog" })).toBeGreaterThan(0);
    expect(projections!.get("spear_projection_owned")?.samples.map((s) => s.value)).toEqual(projections!.get("spear_projection_owned")?.samples.map(() => 1));
    expect(projections!.get("spear_projection_lag_events")?.samples.length).toBeGreaterThan(5);
    // The gateway, by route pattern (the HTTP invoke above).
    expect(sampleSum(gateway!, "spear_http_requests_total", { method: "POST", route: "/v1/functions/:name::invoke", status_code: "200" })).toBeGreaterThan(0);
    expect(sampleSum(gateway!, "spear_http_requests_total", { method: "GET", route: "unmatched", status_code: String(stray) })).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify([...gateway!.get("spear_http_requests_total")!.samples])).not.toContain("route-42");
    // Where a Prometheus finds them (infra/monitoring/prometheus.yml).
    const targets = JSON.parse(readFileSync(join(dataDir, "prometheus-targets.json"), "utf8")) as { targets: string[]; labels: Record<string, string> }[];
    expect(targets.map((t) => t.labels.process).sort()).toEqual(Object.keys(services).sort());
    for (const t of targets) expect(`http://${t.targets[0]}`).toBe(state.processes?.[t.labels.process!]?.monitorUrl);
    if (!promtool) ctx.annotate("promtool is not installed: the metrics were parsed by the test's own parser only");
  });

  it("stops everything it started with `spear dev stop`", async () => {
    const pids = Object.values(state.pids);
    const down = await runCli(["dev", "stop", ...dd], {}, 120_000);
    expect(down.code, down.stderr).toBe(0);
    await eventually(() => (pids.every((p) => !isRunning(p)) ? true : undefined), 30_000, 200);
    state = undefined as unknown as DevState;
  });
});
