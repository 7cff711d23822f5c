// `npm run fuzz [-- --params '<json>'] [--out <dir>] [--keep]`: fuzzes a whole Spear system on
// servers of its own, prints a table, writes bench/results/fuzz.json and, for a run into that
// folder, the Fuzz section of docs/performance.md. See docs/performance.md, "Fuzz".
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { packageRoot } from "../../infra/local/paths.js";
import { describeMachine, packageVersions } from "../support/machine.js";
import { runFuzz } from "./campaign.js";
import { FuzzParams } from "./params.js";
import { figuresOf, outcomeTable, renderFuzzReport, withFuzzReport, type FuzzResultFile } from "./report.js";

const USAGE = `usage: npm run fuzz [-- [--params '<json>'] [--out <dir>] [--keep]]
  --params <json>  override parameters, e.g. '{"messages":20000,"seed":7}' (defaults: --list)
  --out <dir>      where fuzz.json goes (default bench/results; only that run rewrites docs/performance.md)
  --keep           keep the run's folder (servers' data, services' logs) instead of removing it
  --list           print the default parameters`;

function parseParams(json: string | undefined): FuzzParams {
  let raw: unknown = {};
  if (json !== undefined) {
    try {
      raw = JSON.parse(json);
    } catch {
      throw new Error(`--params must be JSON, for example '{"messages":500}'`);
    }
  }
  const parsed = FuzzParams.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid --params: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

function writeResult(dir: string, r: FuzzResultFile): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "fuzz.json");
  // Written beside and renamed, so a stopped run never leaves half a file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(r, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** Whether the run found nothing: no crash, every answer typed (none `internal`), nothing stuck, normal calls served. */
function clean(r: FuzzResultFile): boolean {
  const f = r.figures;
  return [f.crashes, f.escaped_failures, f.untyped_or_wrong_answers, f.missing_answers, f.internal_errors, f.stuck_messages, f.final_calls_failed].every((x) => x?.value === 0);
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { params: { type: "string" }, out: { type: "string" }, keep: { type: "boolean" }, list: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.list) {
    process.stdout.write(`${JSON.stringify(FuzzParams.parse({}), null, 2)}\n`);
    return 0;
  }
  const params = parseParams(values.params);
  const defaultOut = join(packageRoot(), "bench", "results");
  const outDir = values.out ?? defaultOut;
  const dir = mkdtempSync(join(tmpdir(), "spear-fuzz-"));
  process.stderr.write(`[fuzz] seed ${params.seed} (--params '{"seed":${params.seed}}' replays it), ${params.messages} messages; folder ${dir}\n`);
  const startedAt = new Date();
  const t0 = performance.now();
  let result: FuzzResultFile;
  try {
    const outcome = await runFuzz(params, dir, (done, total) => process.stderr.write(`[fuzz] ${done}/${total} messages answered\n`));
    result = {
      scenario: "fuzz",
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      machine: describeMachine(),
      versions: packageVersions(),
      parameters: params,
      figures: figuresOf(outcome),
      outcome,
    };
  } finally {
    if (values.keep) process.stderr.write(`[fuzz] kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\nfuzz, seed ${params.seed} (${(result.durationMs / 1000).toFixed(0)} s)\n${outcomeTable(result.outcome)}\n`);
  for (const s of result.outcome.samples) process.stdout.write(`\n[${s.edge} #${s.index}] ${s.kind}: ${s.problem}\n  ${s.message}\n`);
  process.stdout.write(`\nresult written to ${writeResult(outDir, result)}\n`);
  if (outDir === defaultOut) {
    const doc = join(packageRoot(), "docs", "performance.md");
    writeFileSync(doc, withFuzzReport(readFileSync(doc, "utf8"), renderFuzzReport(result)));
    process.stdout.write(`docs/performance.md: Fuzz section rewritten\n`);
  }
  return clean(result) ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`fuzz: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
      process.exit(2);
    },
  );
}
