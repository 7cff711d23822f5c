import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderFuzzReport, withFuzzReport, type FuzzResultFile } from "../../../bench/fuzz/report.js";

const root = join(import.meta.dirname, "..", "..", "..");

describe("docs/performance.md, Fuzz", () => {
  it("shows the table of the committed bench/results/fuzz.json (npm run fuzz rewrites it)", () => {
    const doc = readFileSync(join(root, "docs", "performance.md"), "utf8");
    const result = JSON.parse(readFileSync(join(root, "bench", "results", "fuzz.json"), "utf8")) as FuzzResultFile;
    expect(doc).toBe(withFuzzReport(doc, renderFuzzReport(result)));
  });
});
