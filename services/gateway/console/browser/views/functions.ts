import { badge, h, ms, replace, table } from "../dom.js";
import type { ConsoleFunction, InvocationRow } from "../model.js";
import { refusal, unanswered, type ConsoleView } from "../view.js";

const WINDOW_MS = 60_000;

/** The nearest-rank percentile of sorted values. */
const rank = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** Calls per minute and their latency over the last minute, from the results the live stream brought. */
function recent(rows: readonly InvocationRow[], fn: string, now: number): { perMin: number; p50: number | null; p95: number | null } {
  const lat = rows.filter((r) => r.function === fn && now - Date.parse(r.finishedAt) <= WINDOW_MS).map((r) => r.totalMs);
  lat.sort((a, b) => a - b);
  return { perMin: lat.length, p50: lat.length ? rank(lat, 50) : null, p95: lat.length ? rank(lat, 95) : null };
}

const versionOf = (f: ConsoleFunction) => f.versions.find((v) => v.version === (f.activeVersion ?? f.latestVersion));

export const functionsView: ConsoleView = {
  route: "functions",
  title: "Functions",
  topics: ["functions", "stats", "results"],
  mount(main, model) {
    const body = h("div");
    const note = h("div");
    replace(main, h("h1", {}, "Functions"), note, body);
    return () => {
      const a = model.functions;
      if (!a?.ok) return replace(body, unanswered(a, "the functions"));
      const stats = model.stats?.ok ? model.stats.data.invocationsByFunction : undefined;
      // Without the stats the table still shows the functions, and the last minute's figures from the live stream.
      replace(note, model.stats && !model.stats.ok ? refusal(model.stats, "the latency percentiles (GET /v1/cluster/stats)") : null);
      const now = Date.now();
      replace(
        body,
        table(
          [
            { title: "function", cell: (f) => h("span", {}, h("strong", {}, f.name), f.deleted ? h("span", {}, " ", badge("deleted", "bad")) : null) },
            { title: "active", num: true, cell: (f) => (f.activeVersion === null ? "none" : `v${f.activeVersion}`) },
            { title: "versions", num: true, cell: (f) => f.versions.length },
            { title: "runtime", cell: (f) => versionOf(f)?.spec.runtime ?? "—" },
            { title: "calls", num: true, cell: (f) => f.stats?.total ?? 0 },
            { title: "succeeded", num: true, cell: (f) => f.stats?.byStatus.succeeded ?? 0 },
            { title: "failed", num: true, cell: (f) => (f.stats ? f.stats.total - (f.stats.byStatus.succeeded ?? 0) : 0) },
            { title: "mean", num: true, cell: (f) => ms(f.stats?.averageMs) },
            { title: "p50 / p95 / p99", num: true, cell: (f) => {
              const p = stats?.[f.name]?.percentiles.totalMs;
              return p ? `${ms(p.p50)} / ${ms(p.p95)} / ${ms(p.p99)}` : "—";
            } },
            { title: "calls / min", num: true, cell: (f) => recent(model.liveResults, f.name, now).perMin },
            { title: "last min p50 / p95", num: true, cell: (f) => {
              const r = recent(model.liveResults, f.name, now);
              return `${ms(r.p50)} / ${ms(r.p95)}`;
            } },
          ],
          a.data,
          (f) => f.name,
          "No function deployed",
        ),
      );
    };
  },
};
