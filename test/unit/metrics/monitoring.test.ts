import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { metricCatalog } from "../../../services/metrics/catalog.js";
import { metricsText, serveMetricsOf } from "../../../services/metrics/registry.js";
import { checkExpressions, parseMetrics, promtool, runPromtool } from "../../support/prometheus-text.js";

const dir = join(import.meta.dirname, "..", "..", "..", "infra", "monitoring");
const file = (name: string) => join(dir, name);

interface Rule {
  readonly alert: string;
  readonly expr: string;
}
interface Panel {
  readonly type: string;
  readonly title: string;
  readonly targets?: readonly { readonly expr: string }[];
}
const alerts = (parse(readFileSync(file("alerts.yml"), "utf8")) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(file("grafana-dashboard.json"), "utf8")) as {
  panels: Panel[];
  templating: { list: { definition: string }[] };
};
/** Every query of the dashboard, its variable read as "every function". */
const panelExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr.replaceAll("$function", ".*")));

/** The metric names a PromQL expression reads (a histogram's series by its family's name). */
function metricsIn(expr: string): string[] {
  const names = expr.replace(/"[^"]*"/g, '""').match(/\b(spear|process|nodejs)_[a-z0-9_]+\b|\bup\b/g) ?? [];
  return names.map((n) => (n.replace(/_(bucket|sum|count)$/, "") in metricCatalog ? n.replace(/_(bucket|sum|count)$/, "") : n));
}

describe("infra/monitoring: alert rules and dashboard", () => {
  it("reads only metrics a Spear process serves: the catalog's, prom-client's process metrics, and up", async () => {
    serveMetricsOf("spearlet", "0.0.0");
    const served = new Set([...Object.keys(metricCatalog), ...parseMetrics(await metricsText()).keys(), "up"]);
    const exprs = [...alerts.map((r) => r.expr), ...panelExprs, ...dashboard.templating.list.map((v) => v.definition)];
    const unknown = exprs.flatMap(metricsIn).filter((n) => !served.has(n));
    expect(unknown).toEqual([]);
    expect(exprs.flatMap(metricsIn).length).toBeGreaterThan(40);
  });

  it("alerts on the obvious failures", () => {
    const names = alerts.map((r) => r.alert);
    for (const a of ["SpearNodeLost", "SpearQueueGrowing", "SpearDeadLetters", "SpearProjectionLagging"]) expect(names).toContain(a);
  });

  it("has dashboard panels on invocations, placement, nodes, projections and processes, each with a query", () => {
    const panels = dashboard.panels.filter((p) => p.type !== "row");
    expect(panels.length).toBeGreaterThan(20);
    expect(panels.filter((p) => !p.targets?.length)).toEqual([]);
  });

  it("passes promtool: the rules and the configuration check, every rule's unit test passes, every panel's query parses", (ctx) => {
    if (!promtool) return ctx.skip("promtool is not installed (Debian package prometheus; .ci/run installs it)");
    for (const args of [
      ["check", "rules", file("alerts.yml")],
      ["test", "rules", file("alerts.test.yml")],
      ["check", "config", file("prometheus.yml")],
    ]) {
      const { code, output } = runPromtool(args);
      expect(code, output).toBe(0);
    }
    const { code, output } = checkExpressions(panelExprs);
    expect(code, output).toBe(0);
    // Every alert has a unit test.
    const tested = readFileSync(file("alerts.test.yml"), "utf8");
    expect(alerts.map((r) => r.alert).filter((a) => !tested.includes(`alertname: ${a}`))).toEqual([]);
  });
});
