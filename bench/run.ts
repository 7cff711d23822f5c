// `npm run bench [-- <scenario> ...]`: runs the benchmarks, prints their tables and writes
// bench/results/<scenario>.json. See docs/performance.md.
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { Logger } from "pino";
import { packageRoot } from "../infra/local/paths.js";
import { printTable } from "../services/cli/output.js";
import { createLogger, type LogLevel } from "../services/logger.js";
import { coldStart } from "./cold-start.js";
import { heartbeatScale } from "./heartbeat-scale.js";
import { invokeLatency } from "./invoke-latency.js";
import { invokeThroughput } from "./invoke-throughput.js";
import { projectionRebuild } from "./projection-rebuild.js";
import { renderReport, withReport } from "./report.js";
import { scheduleDecision } from "./schedule-decision.js";
import { startup } from "./startup.js";
import { printProfile, profilesIn, summarizeProfile } from "./support/cpu-profile.js";
import { describeMachine, packageVersions, type Machine } from "./support/machine.js";
import type { Scenario, ScenarioContext, ScenarioOutcome } from "./support/scenario.js";

/** Every scenario, in the order `npm run bench` runs them. */
export const scenarios: readonly Scenario[] = [invokeLatency, invokeThroughput, scheduleDecision, projectionRebuild, heartbeatScale, coldStart, startup];

export interface ResultFile extends ScenarioOutcome {
  readonly scenario: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: Machine;
  readonly versions: Record<string, string>;
}

const USAGE = `usage: npm run bench [-- [scenario ...] [--params '<json>'] [--out <dir>] [--profile]]
scenarios: ${scenarios.map((s) => s.name).join(", ")} (all when none is named)
  --params <json>  override parameters of the one scenario named (see docs/performance.md)
  --out <dir>      where the result files go (default bench/results)
  --profile        the services a scenario starts write V8 CPU profiles, summarised after it
  --list           list the scenarios and their default parameters
  --report         print the result files (of --out) as Markdown
A run into the default folder also rewrites the tables of docs/performance.md from its results.`;

interface RunOptions {
  readonly names: readonly string[];
  readonly params?: unknown;
  readonly outDir: string;
  readonly profile: boolean;
  readonly log: Logger;
}

/** Runs one scenario in a temp folder of its own; whatever it started is stopped whatever happens. */
function parseParams(s: Scenario, params: unknown): unknown {
  const parsed = s.params.safeParse(params ?? {});
  if (!parsed.success) throw new Error(`${s.name}: invalid --params: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

async function runScenario(s: Scenario, params: unknown, o: RunOptions, machine: Machine): Promise<ResultFile> {
  const tempDir = mkdtempSync(join(tmpdir(), `spear-bench-${s.name}-`));
  const profileDir = o.profile ? mkdtempSync(join(tmpdir(), `spear-bench-profile-${s.name}-`)) : undefined;
  const undo: (() => Promise<unknown> | unknown)[] = [];
  const labels = new Map<number, string>();
  const abort = new AbortController();
  const log = o.log.child({ scenario: s.name });
  const ctx: ScenarioContext = {
    log,
    tempDir,
    signal: abort.signal,
    ...(profileDir ? { profileDir } : {}),
    labelProcess: (pid, name) => labels.set(pid, name),
    defer: (fn) => undo.push(fn),
  };
  const startedAt = new Date();
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let ok = false;
  try {
    const outcome = await Promise.race([
      s.run(ctx, params),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          abort.abort();
          reject(new Error(`${s.name} did not finish within its time limit of ${s.timeLimitMs / 1000} s`));
        }, s.timeLimitMs);
      }),
    ]);
    ok = true;
    return { scenario: s.name, startedAt: startedAt.toISOString(), durationMs: Math.round(performance.now() - t0), machine, versions: packageVersions(), ...outcome };
  } finally {
    clearTimeout(timer);
    abort.abort();
    for (const fn of undo.reverse()) {
      try {
        await fn();
      } catch (e) {
        log.warn({ err: e }, "cleaning up failed");
      }
    }
    if (ok) rmSync(tempDir, { recursive: true, force: true });
    else log.error({ tempDir }, "kept the scenario's folder (services' logs are under stack/logs)");
    if (profileDir) {
      for (const file of profilesIn([profileDir])) {
        const summary = summarizeProfile(file);
        printProfile(summary, summary.pid !== undefined ? labels.get(summary.pid) : undefined);
      }
      log.info({ profileDir }, "CPU profiles kept");
    }
  }
}

function printOutcome(r: ResultFile): void {
  process.stdout.write(`\n${r.scenario} (${(r.durationMs / 1000).toFixed(1)} s)\n`);
  printTable(
    ["figure", "value", "unit"],
    Object.entries(r.figures).map(([k, f]) => [k, f.value, f.unit]),
  );
  if (Object.keys(r.ratios).length > 0) printTable(["ratio", "value"], Object.entries(r.ratios).map(([k, v]) => [k, v]));
}

/** docs/performance.md carries the tables of the committed result files, rewritten after each run into them. */
function updatePerformanceDoc(resultsDir: string, log: Logger): void {
  const file = join(packageRoot(), "docs", "performance.md");
  const doc = withReport(readFileSync(file, "utf8"), renderReport(resultsDir, scenarios.map((s) => s.name)));
  writeFileSync(file, doc);
  log.info({ file }, "tables rewritten from the results");
}

function writeResult(dir: string, r: ResultFile): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${r.scenario}.json`);
  // Written beside and renamed, so a stopped run never leaves half a file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(r, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

export async function runBench(o: RunOptions): Promise<{ results: ResultFile[]; failed: string[] }> {
  const unknown = o.names.filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(", ")}; one of ${scenarios.map((s) => s.name).join(", ")}`);
  const chosen = o.names.length > 0 ? scenarios.filter((s) => o.names.includes(s.name)) : scenarios;
  if (o.params !== undefined && chosen.length !== 1) throw new Error("--params applies to one scenario: name exactly one");
  // Every scenario's parameters are checked before anything starts.
  const params = new Map(chosen.map((s) => [s.name, parseParams(s, o.params)]));
  const machine = describeMachine();
  const results: ResultFile[] = [];
  const failed: string[] = [];
  const rows: unknown[][] = [];
  const t0 = performance.now();
  for (const s of chosen) {
    o.log.info({ scenario: s.name }, s.summary);
    const t = performance.now();
    try {
      const r = await runScenario(s, params.get(s.name), o, machine);
      printOutcome(r);
      o.log.info({ file: writeResult(o.outDir, r) }, "result written");
      results.push(r);
      rows.push([s.name, "ok", (r.durationMs / 1000).toFixed(1)]);
    } catch (e) {
      o.log.error({ err: e }, `${s.name} failed`);
      failed.push(s.name);
      rows.push([s.name, "FAILED", ((performance.now() - t) / 1000).toFixed(1)]);
    }
  }
  process.stdout.write("\n");
  printTable(["scenario", "status", "seconds"], rows);
  process.stdout.write(`bench: ${chosen.length} scenario(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s; results in ${o.outDir}\n`);
  return { results, failed };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      params: { type: "string" },
      out: { type: "string" },
      profile: { type: "boolean" },
      list: { type: "boolean" },
      report: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.list) {
    printTable(["scenario", "what", "default parameters"], scenarios.map((s) => [s.name, s.summary, JSON.stringify(s.params.parse({}))]));
    return 0;
  }
  const defaultOut = join(packageRoot(), "bench", "results");
  const outDir = values.out ?? defaultOut;
  if (values.report) {
    process.stdout.write(renderReport(outDir, scenarios.map((s) => s.name)));
    return 0;
  }
  let params: unknown;
  if (values.params !== undefined) {
    try {
      params = JSON.parse(values.params);
    } catch {
      throw new Error(`--params must be JSON, for example '{"calls":500}'`);
    }
  }
  const log = createLogger({ name: "bench", level: (process.env.SPEAR_BENCH_LOG_LEVEL as LogLevel | undefined) ?? "info" });
  const { failed } = await runBench({
    names: positionals,
    params,
    outDir,
    profile: values.profile ?? false,
    log,
  });
  if (outDir === defaultOut) updatePerformanceDoc(outDir, log);
  return failed.length === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
      process.exit(2);
    },
  );
}
