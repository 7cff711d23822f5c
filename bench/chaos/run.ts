// `npm run chaos`: the whole system as separate processes under a steady load from a plain
// NATS client, with kill -9 of every kind of process, every call audited by its id, next to the
// same load without faults. Writes bench/results/chaos.json; see docs/performance.md, Chaos.
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { Logger } from "pino";
import { packageRoot } from "../../infra/local/paths.js";
import { printTable } from "../../services/cli/output.js";
import { createLogger, type LogLevel } from "../../services/logger.js";
import { runChaos, type ChaosResult } from "./chaos-run.js";
import { targetsMissed } from "./figures.js";
import { ChaosParams } from "./params.js";
import { renderChaosReport, spearletSummary, statusTable, summaryTable, timelineTable, withChaosReport, type Table } from "./report.js";

const USAGE = `usage: npm run chaos [-- [--params '<json>'] [--no-baseline] [--out <dir>] [--keep]]
  --params <json>  override parameters, e.g. '{"calls":2000}' (--list shows them with their defaults)
  --no-baseline    only the pass with faults (the latency target then has nothing to compare with)
  --out <dir>      where chaos.json goes (default bench/results; a run into it also rewrites
                   the Chaos tables of docs/performance.md)
  --keep           keep the work folder (servers' data, every process's log) after a run that went through
  --list           print the parameters with their defaults
Exit status: 0 when every target is met, 1 when one is missed, 2 when the run itself failed.`;

const show = (t: Table) => printTable(t.head, t.rows);

function printResult(r: ChaosResult): void {
  process.stdout.write(`\nchaos (${(r.durationMs / 1000).toFixed(0)} s)\n`);
  show(summaryTable(r));
  show(statusTable(r));
  const chaos = r.passes.chaos;
  if (chaos) {
    process.stdout.write("faults of the pass with faults (s from the start of its load):\n");
    show(timelineTable(chaos.timeline));
    process.stdout.write(`${spearletSummary(r)}\n`);
  }
  for (const [kind, pass] of Object.entries(r.passes)) {
    for (const [anomaly, ids] of Object.entries(pass.evidence)) if (ids.length > 0) process.stdout.write(`${kind}: ${anomaly}:${ids.map((id) => (anomaly === "slowest" ? `\n  ${id}` : ` ${id}`)).join("")}\n`);
  }
}

function writeResult(dir: string, r: ChaosResult): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "chaos.json");
  // Written beside and renamed, so a stopped run never leaves half a file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(r, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** docs/performance.md carries the tables of the committed chaos.json, rewritten after each run into bench/results. */
function updatePerformanceDoc(r: ChaosResult, log: Logger): void {
  const file = join(packageRoot(), "docs", "performance.md");
  writeFileSync(file, withChaosReport(readFileSync(file, "utf8"), renderChaosReport(r)));
  log.info({ file }, "chaos tables rewritten from the result");
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      params: { type: "string" },
      "no-baseline": { type: "boolean" },
      out: { type: "string" },
      keep: { type: "boolean" },
      list: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.list) {
    printTable(["parameter", "default"], Object.entries(ChaosParams.parse({})).map(([k, v]) => [k, JSON.stringify(v)]));
    return 0;
  }
  let raw: unknown = {};
  if (values.params !== undefined) {
    try {
      raw = JSON.parse(values.params);
    } catch {
      throw new Error(`--params must be JSON, for example '{"calls":2000}'`);
    }
  }
  const parsed = ChaosParams.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid --params: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  const defaultOut = join(packageRoot(), "bench", "results");
  const outDir = values.out ?? defaultOut;
  const log = createLogger({ name: "chaos", level: (process.env.SPEAR_CHAOS_LOG_LEVEL as LogLevel | undefined) ?? "info" });

  const abort = new AbortController();
  const interrupt = (signal: NodeJS.Signals) => {
    log.warn({ signal }, "stopping: every process this run started is being stopped");
    abort.abort();
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  const workDir = mkdtempSync(join(tmpdir(), "spear-chaos-"));
  let result: ChaosResult;
  try {
    result = await runChaos({ params: parsed.data, baseline: !values["no-baseline"], workDir, log, signal: abort.signal });
  } catch (e) {
    log.error({ err: e, workDir }, "the chaos run failed; its folder is kept (logs under <pass>/logs)");
    return 2;
  }
  printResult(result);
  log.info({ file: writeResult(outDir, result) }, "result written");
  if (outDir === defaultOut) updatePerformanceDoc(result, log);
  if (values.keep) log.info({ workDir }, "work folder kept");
  else rmSync(workDir, { recursive: true, force: true });
  const missed = targetsMissed(result.targets);
  if (missed.length === 0) {
    process.stdout.write("chaos: every target met\n");
    return 0;
  }
  process.stdout.write(`chaos: ${missed.length} target(s) missed: ${missed.map((t) => t.target).join(", ")}\n`);
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`chaos: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
      process.exit(2);
    },
  );
}
