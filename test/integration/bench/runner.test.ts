import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// The benchmark runner on its cheapest scenario with tiny parameters, so it keeps working; the
// figures themselves are not checked (speed belongs to `npm run bench`, not to tests).
const runner = join(import.meta.dirname, "..", "..", "..", "dist", "bench", "run.js");
const out = mkdtempSync(join(tmpdir(), "spear-bench-test-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [runner, ...args], { timeout: 60_000, env: { ...process.env, SPEAR_BENCH_LOG_LEVEL: "warn" } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe("npm run bench", () => {
  it("runs a named scenario and writes its result file in the common format", async () => {
    const tiny = JSON.stringify({ nodes: [100], pools: [16], iterations: 200, budgetMs: 100 });
    const r = await bench(["schedule-decision", "--out", out, "--params", tiny]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("place.n100.p16.p50");
    const result = JSON.parse(readFileSync(join(out, "schedule-decision.json"), "utf8")) as Record<string, unknown>;
    expect(result).toMatchObject({
      scenario: "schedule-decision",
      parameters: { nodes: [100], pools: [16], iterations: 200 },
      machine: { cpus: expect.any(Number), node: process.version, natsServer: expect.any(String), redisServer: expect.any(String) },
      versions: { spear: expect.any(String), "hdr-histogram-js": expect.any(String) },
      figures: { "place.n100.p16.p50": { value: expect.any(Number), unit: "us" }, "naive.n100.p16.p99": { value: expect.any(Number), unit: "us" } },
      ratios: { "naive_over_place.n100.p16.p50": expect.any(Number) },
    });
    expect(Date.parse(result.startedAt as string)).not.toBeNaN();
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it("refuses unknown parameters before running anything", async () => {
    const r = await bench(["cold-start", "--out", out, "--params", '{"sample":3}']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unrecognized key: "sample"');
    expect(existsSync(join(out, "cold-start.json"))).toBe(false);
  });
});
