import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One sample line: its name (with `_bucket`, `_sum`, `_count` for histograms), labels and value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A metric family: its `# TYPE`, `# HELP` and samples. */
export interface MetricFamily {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label set `{a="x",b="y\"z"}` from position `i` of `line` (just after the brace); the labels and where they end. */
function labelsAt(line: string, i: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  for (;;) {
    if (line[i] === "}") return { labels, end: i + 1 };
    const eq = line.indexOf("=", i);
    const name = line.slice(i, eq);
    if (eq < 0 || !LABEL.test(name) || line[eq + 1] !== '"') throw new Error(`bad label at ${i}: ${line}`);
    let value = "";
    let j = eq + 2;
    for (; j < line.length && line[j] !== '"'; j++) {
      if (line[j] !== "\\") value += line[j];
      else {
        const next = line[++j];
        value += next === "n" ? "\n" : next;
        if (next !== "n" && next !== "\\" && next !== '"') throw new Error(`bad escape in ${line}`);
      }
    }
    if (j >= line.length) throw new Error(`unterminated label value: ${line}`);
    if (name in labels) throw new Error(`label ${name} twice: ${line}`);
    labels[name] = value;
    i = j + 1;
    if (line[i] === ",") i++;
    else if (line[i] !== "}") throw new Error(`expected , or } at ${i}: ${line}`);
  }
}

/** A sample's value as Prometheus reads it (Go's ParseFloat: `NaN` and `Inf` in any case; prom-client writes `Nan`). */
const numberOf = (s: string): number => {
  if (/^[+-]?inf$/i.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  const n = Number(s);
  if (s === "" || Number.isNaN(n)) throw new Error(`not a number: ${s}`);
  return n;
};

/**
 * The families of a `/metrics` answer (Prometheus text format 0.0.4), by name. Strict: it throws
 * on a line it cannot read, a sample before its family's `# TYPE`, or a sample that is not its
 * family's (`_bucket`, `_sum` and `_count` only for histograms and summaries).
 */
export function parseMetrics(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  let current: MetricFamily | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name: ${line}`);
      const family = families.get(name) ?? { name, type: "untyped", help: "", samples: [] };
      families.set(name, family);
      if (kind === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) throw new Error(`bad type: ${line}`);
        (family as { type: string }).type = rest;
      } else (family as { help: string }).help = rest;
      current = family;
      continue;
    }
    if (line.startsWith("#")) continue;
    const brace = line.indexOf("{");
    const space = line.indexOf(" ");
    const nameEnd = brace >= 0 && brace < space ? brace : space;
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`bad sample: ${line}`);
    const { labels, end } = brace >= 0 && brace < space ? labelsAt(line, brace + 1) : { labels: {}, end: nameEnd };
    const [value, timestamp, ...extra] = line.slice(end).trim().split(/\s+/);
    if (value === undefined || extra.length > 0 || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) throw new Error(`bad sample value: ${line}`);
    if (!current) throw new Error(`a sample before any # TYPE: ${line}`);
    const suffixes = current.type === "histogram" ? ["", "_bucket", "_sum", "_count"] : current.type === "summary" ? ["", "_sum", "_count"] : [""];
    if (!suffixes.some((s) => name === current!.name + s)) throw new Error(`${name} is not a sample of ${current.name} (${current.type})`);
    if (name.endsWith("_bucket") && current.type === "histogram" && labels.le === undefined) throw new Error(`a bucket without le: ${line}`);
    current.samples.push({ name, labels, value: numberOf(value) });
  }
  return families;
}

/**
 * The sum over a family's samples whose labels include `labels`: the value of a counter or
 * gauge, the count of a histogram (its `_count` samples). Undefined when the family is missing.
 */
export function sampleSum(families: ReadonlyMap<string, MetricFamily>, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const f = families.get(name);
  if (!f) return undefined;
  const own = f.type === "histogram" || f.type === "summary" ? `${name}_count` : name;
  return f.samples.filter((s) => s.name === own && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}

/** Debian's promtool (package `prometheus`), or undefined where it is not installed. */
export const promtool: string | undefined = ["/usr/bin/promtool", "/usr/local/bin/promtool"].find((p) => existsSync(p));

/** Runs promtool; returns its exit code and output. */
export function runPromtool(args: readonly string[], input?: string): { code: number; output: string } {
  const r = spawnSync(promtool!, args, { input, encoding: "utf8", timeout: 60_000 });
  return { code: r.status ?? -1, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** Checks PromQL expressions by promtool, as recording rules of a temp rule file (promtool parses every expression). */
export function checkExpressions(exprs: readonly string[]): { code: number; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "spear-promql-"));
  try {
    const file = join(dir, "exprs.yml");
    const rules = exprs.map((e, i) => `      - record: check:expr_${i}\n        expr: ${JSON.stringify(e)}`).join("\n");
    writeFileSync(file, `groups:\n  - name: exprs\n    rules:\n${rules}\n`);
    return runPromtool(["check", "rules", file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const promtoolVersion = (): string => execFileSync(promtool!, ["--version"], { encoding: "utf8" }).split("\n")[0] ?? "";
