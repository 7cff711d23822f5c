import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderReport, withReport } from "../../../bench/report.js";
import { scenarios } from "../../../bench/run.js";

const root = join(import.meta.dirname, "..", "..", "..");

describe("docs/performance.md", () => {
  it("shows the tables of the committed result files (npm run bench rewrites them)", () => {
    const doc = readFileSync(join(root, "docs", "performance.md"), "utf8");
    const report = renderReport(join(root, "bench", "results"), scenarios.map((s) => s.name));
    expect(doc).toBe(withReport(doc, report));
  });

  it("has a result file for every scenario", () => {
    const report = renderReport(join(root, "bench", "results"), scenarios.map((s) => s.name));
    for (const s of scenarios) expect(report).toContain(`### ${s.name}\n`);
  });
});
