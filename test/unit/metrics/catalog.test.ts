import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderMetricsTable, withMetricsTable } from "../../../infra/docs/metrics-doc.js";
import { metricCatalog, type MetricSpec } from "../../../services/metrics/catalog.js";

const root = join(import.meta.dirname, "..", "..", "..");
const entries = Object.entries(metricCatalog) as [string, MetricSpec][];
/** Labels that would give a series per call, lease, session or token: never a label. */
const unbounded = /(^|_)(id|invocation|lease|token|session|url|path|message)$/;

describe("the metric catalog", () => {
  it("names every metric by Prometheus's conventions: spear_ first, snake case, _total on counters only, a unit on histograms", () => {
    const wrong: string[] = [];
    for (const [name, spec] of entries) {
      if (!/^spear_[a-z0-9_]+$/.test(name)) wrong.push(`${name}: not spear_ in snake case`);
      if (spec.type === "counter" && !name.endsWith("_total")) wrong.push(`${name}: a counter without _total`);
      if (spec.type !== "counter" && name.endsWith("_total")) wrong.push(`${name}: _total on a ${spec.type}`);
      if (spec.type === "histogram" && !name.endsWith("_seconds")) wrong.push(`${name}: a histogram without its unit`);
      if (/_(ms|milliseconds|percent)$|_(ms|milliseconds)_/.test(name)) wrong.push(`${name}: not in base units`);
      for (const label of spec.labels) {
        if (!/^[a-z][a-z0-9_]*$/.test(label) || label.startsWith("__")) wrong.push(`${name}: label ${label}`);
        if (unbounded.test(label)) wrong.push(`${name}: label ${label} is not a bounded set`);
        if (label === "le" || label === "quantile") wrong.push(`${name}: label ${label} is reserved`);
      }
      if (spec.services.length === 0) wrong.push(`${name}: served by no process`);
      if (!spec.help.endsWith(".")) wrong.push(`${name}: help is not a sentence`);
    }
    expect(wrong).toEqual([]);
  });

  it("is what docs/operations.md lists (npm run docs writes it)", () => {
    const doc = readFileSync(join(root, "docs", "operations.md"), "utf8");
    expect(doc).toContain(renderMetricsTable());
    expect(withMetricsTable(doc)).toBe(doc);
    for (const name of Object.keys(metricCatalog)) expect(doc).toContain(`\`${name}\``);
  });
});
