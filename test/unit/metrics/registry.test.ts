import { describe, expect, it } from "vitest";
import { metricCatalog, type MetricName } from "../../../services/metrics/catalog.js";
import { codeLabel, metric, metricsText, readFrom, serveMetricsOf } from "../../../services/metrics/registry.js";
import { parseMetrics, promtool, runPromtool, sampleSum } from "../../support/prometheus-text.js";

const ofService = (service: string) => (Object.keys(metricCatalog) as MetricName[]).filter((n) => (metricCatalog[n].services as readonly string[]).includes(service));

describe("the process's metrics registry", () => {
  serveMetricsOf("scheduler", "9.9.9");

  it("serves every metric of its service from the start, Node's process metrics and its build, in a text format an independent parser reads", async () => {
    const families = parseMetrics(await metricsText());
    for (const name of ofService("scheduler")) expect(families.get(name)?.type, name).toBe(metricCatalog[name].type);
    expect(families.has("spear_http_requests_total")).toBe(false);
    expect(families.has("process_cpu_seconds_total")).toBe(true);
    expect(families.has("nodejs_eventloop_lag_p99_seconds")).toBe(true);
    expect(sampleSum(families, "spear_build_info", { service: "scheduler", version: "9.9.9" })).toBe(1);
    // A metric without labels shows at zero before anything happened.
    expect(sampleSum(families, "spear_scheduler_deferred_requests_total")).toBe(0);
  });

  it("counts and observes with labels, one series per label set", async () => {
    metric("spear_invocations_total").inc({ function: "echo", status: "succeeded" });
    metric("spear_invocations_total").inc({ function: "echo", status: "succeeded" });
    metric("spear_invocations_total").inc({ function: "echo", status: "failed" });
    metric("spear_invocation_duration_seconds").observe({ function: "echo", status: "succeeded" }, 0.02);
    const families = parseMetrics(await metricsText());
    expect(sampleSum(families, "spear_invocations_total", { function: "echo", status: "succeeded" })).toBe(2);
    expect(sampleSum(families, "spear_invocations_total", { function: "echo" })).toBe(3);
    expect(sampleSum(families, "spear_invocation_duration_seconds", { function: "echo" })).toBe(1);
  });

  it("reads a collected gauge from every source at each scrape, adding them up label set by label set, until each source is removed", async () => {
    let a = 3;
    const stopA = readFrom("spear_scheduler_queued_requests", () => a);
    const stopB = readFrom("spear_scheduler_queued_requests", async () => 4);
    expect(sampleSum(parseMetrics(await metricsText()), "spear_scheduler_queued_requests")).toBe(7);
    a = 5;
    expect(sampleSum(parseMetrics(await metricsText()), "spear_scheduler_queued_requests")).toBe(9);
    stopB();
    expect(sampleSum(parseMetrics(await metricsText()), "spear_scheduler_queued_requests")).toBe(5);
    stopA();
  });

  it("keeps a source's last reading when it fails or does not answer within a second, so a scrape never hangs on NATS", async () => {
    let mode: "ok" | "throw" | "hang" = "ok";
    const stop = readFrom("spear_projection_lag_events", () => {
      if (mode === "throw") throw new Error("NATS is away");
      if (mode === "hang") return new Promise<never>(() => undefined);
      return [{ labels: { projection: "p" }, value: 12 }];
    });
    expect(sampleSum(parseMetrics(await metricsText()), "spear_projection_lag_events", { projection: "p" })).toBe(12);
    mode = "throw";
    expect(sampleSum(parseMetrics(await metricsText()), "spear_projection_lag_events", { projection: "p" })).toBe(12);
    mode = "hang";
    const started = Date.now();
    expect(sampleSum(parseMetrics(await metricsText()), "spear_projection_lag_events", { projection: "p" })).toBe(12);
    expect(Date.now() - started).toBeLessThan(3_000);
    stop();
  });

  it("feeds a counter from a count that only grows (a worker's events applied)", async () => {
    let applied = 10;
    const stop = readFrom("spear_projection_events_applied_total", () => [{ labels: { projection: "q" }, value: applied }]);
    expect(sampleSum(parseMetrics(await metricsText()), "spear_projection_events_applied_total", { projection: "q" })).toBe(10);
    applied = 25;
    expect(sampleSum(parseMetrics(await metricsText()), "spear_projection_events_applied_total", { projection: "q" })).toBe(25);
    stop();
  });

  it("refuses to read a histogram from a source", () => {
    expect(() => readFrom("spear_invocation_run_seconds" as never, () => 1)).toThrow(/histogram/);
  });

  it("labels an error code of the catalog as itself and any other code as other", () => {
    expect(codeLabel("no_capacity")).toBe("no_capacity");
    expect(codeLabel("my_guest_error")).toBe("other");
    expect(codeLabel("constructor")).toBe("other");
    expect(codeLabel(undefined)).toBe("other");
  });

  it("passes promtool's lint of its own metrics (names, units, help), and promtool parses the whole exposition", async (ctx) => {
    if (!promtool) return ctx.skip("promtool is not installed (Debian package prometheus; .ci/run installs it)");
    const text = await metricsText();
    // prom-client's own nodejs_active_*_total gauges break the lint's rule on _total, so the lint reads Spear's families only.
    expect(runPromtool(["check", "metrics"], text).output).not.toMatch(/pars/i);
    const own = text.split("\n\n").filter((family) => family.startsWith("# HELP spear_"));
    expect(own.length).toBeGreaterThan(10);
    const { code, output } = runPromtool(["check", "metrics"], `${own.join("\n\n")}\n`);
    expect(output.trim(), output).toBe("");
    expect(code).toBe(0);
  });
});
