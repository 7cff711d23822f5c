import { metricCatalog, metricServices, type MetricSpec } from "../../services/metrics/catalog.js";

/** docs/operations.md's list of metrics lies between these lines, written from the catalog. */
export const METRICS_BEGIN = "<!-- metrics: written by `npm run docs` from services/metrics/catalog.ts -->";
export const METRICS_END = "<!-- metrics: end -->";

const cell = (s: string) => s.replace(/\|/g, "\\|");
const servedBy = (spec: MetricSpec) => (spec.services.length === metricServices.length ? "every process" : spec.services.join(", "));

/** The table of every metric: name, type, labels, which processes serve it, what it means. */
export function renderMetricsTable(): string {
  const rows = Object.entries(metricCatalog).map(([name, spec]: [string, MetricSpec]) => {
    const labels = spec.labels.length ? spec.labels.map((l) => `\`${l}\``).join(", ") : "";
    return `| \`${name}\` | ${spec.type} | ${labels} | ${servedBy(spec)} | ${cell(spec.help)} |`;
  });
  return [METRICS_BEGIN, "| metric | type | labels | served by | meaning |", "|---|---|---|---|---|", ...rows, METRICS_END].join("\n");
}

/** `doc` with its metrics table replaced by the catalog's. */
export function withMetricsTable(doc: string): string {
  const begin = doc.indexOf(METRICS_BEGIN);
  const end = doc.indexOf(METRICS_END);
  if (begin < 0 || end < begin) throw new Error("docs/operations.md has no metrics table markers");
  return doc.slice(0, begin) + renderMetricsTable() + doc.slice(end + METRICS_END.length);
}
