import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ResultFile } from "./run.js";

const cell = (v: unknown) => String(v).replace(/\|/g, "\\|");

/**
 * The result files of a folder as Markdown, in the runner's scenario order: the machine once,
 * then per scenario its parameters, figures and ratios. docs/performance.md carries this
 * output for the committed results (`node dist/bench/run.js --report`).
 */
export function renderReport(dir: string, order: readonly string[]): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as ResultFile)
    .sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario));
  if (files.length === 0) return `No result files in ${dir}.\n`;
  const m = files[0]!.machine;
  const out = [
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryMb} MiB, ${m.os}, Node.js ${m.node}, nats-server ${m.natsServer}, redis-server ${m.redisServer}.`,
    `Versions: ${Object.entries(files[0]!.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}.`,
    "",
  ];
  for (const r of files) {
    out.push(`### ${r.scenario}`, "", `Run ${r.startedAt}, ${(r.durationMs / 1000).toFixed(1)} s. Parameters: \`${JSON.stringify(r.parameters)}\`.`, "");
    out.push("| figure | value | unit |", "|---|---:|---|");
    for (const [k, f] of Object.entries(r.figures)) out.push(`| ${cell(k)} | ${cell(f.value)} | ${cell(f.unit)} |`);
    if (Object.keys(r.ratios).length > 0) {
      out.push("", "| ratio | value |", "|---|---:|");
      for (const [k, v] of Object.entries(r.ratios)) out.push(`| ${cell(k)} | ${cell(v)} |`);
    }
    out.push("");
  }
  return `${out.join("\n")}\n`;
}
