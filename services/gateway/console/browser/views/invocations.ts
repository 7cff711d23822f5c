import type { Answer } from "../client.js";
import { badge, clock, h, ms, notice, replace, table } from "../dom.js";
import { rowOfResult, type InvocationRow } from "../model.js";
import { refusal, type ConsoleView } from "../view.js";
import type { InvocationPage } from "../wire.js";

const STATUSES = ["succeeded", "failed", "timed_out", "rejected", "dead_lettered"];
const SINCE: readonly (readonly [string, number])[] = [["5 minutes", 5], ["15 minutes", 15], ["1 hour", 60], ["6 hours", 360], ["24 hours", 1440]];
const LIMIT = 50;

function select(name: string, options: readonly (readonly [string, string])[]): HTMLSelectElement {
  const s = h("select", { data: { filter: name } });
  for (const [label, value] of options) {
    const o = h("option", {}, label);
    o.value = value;
    s.appendChild(o);
  }
  return s;
}

export const invocationsView: ConsoleView = {
  route: "invocations",
  title: "Invocations",
  topics: ["functions", "results"],
  mount(main, model) {
    const fn = select("function", [["any function", ""]]);
    const status = select("status", [["any status", ""], ...STATUSES.map((s) => [s, s] as const)]);
    const since = select("since", SINCE.map(([l, m]) => [`last ${l}`, String(m)] as const));
    since.value = "60";
    const until = h("input", { data: { filter: "until" } });
    until.type = "datetime-local";
    const filters = h(
      "div",
      { class: "filters" },
      h("label", {}, "function", fn),
      h("label", {}, "status", status),
      h("label", {}, "since", since),
      h("label", {}, "until (optional)", until),
    );
    const note = h("div");
    const body = h("div");
    replace(main, h("h1", {}, "Recent invocations"), filters, note, body);

    let listed: Answer<InvocationPage> | undefined;
    let loadedAt = 0;
    const window = () => {
      const to = until.value ? Date.parse(until.value) : undefined;
      const from = (to ?? Date.now()) - Number(since.value) * 60_000;
      return { from, to };
    };
    const matches = (r: InvocationRow) => {
      const { from, to } = window();
      const t = Date.parse(r.finishedAt);
      return (!fn.value || r.function === fn.value) && (!status.value || r.status === status.value) && t >= from && (to === undefined || t <= to);
    };
    const draw = () => {
      const fromList = listed?.ok ? listed.data.items.map(rowOfResult) : [];
      const seen = new Set(fromList.map((r) => r.invocationId));
      // What the live stream brought since the list was read (all of it when there is no list).
      const live = model.liveResults.filter((r) => !seen.has(r.invocationId) && matches(r) && (!listed?.ok || Date.parse(r.finishedAt) >= loadedAt - 1_000));
      const rows = [...live, ...fromList].slice(0, LIMIT);
      // Without the list (a token without admin, say), the results that arrived since the page opened still show.
      replace(note, listed && !listed.ok ? refusal(listed, "the list of invocations") : null, listed && !listed.ok ? notice("Showing the results that arrived since this page opened.") : null);
      replace(
        body,
        table<InvocationRow>(
          [
            { title: "finished", cell: (r) => clock(r.finishedAt) },
            { title: "invocation", cell: (r) => h("a", { href: `#invocation/${encodeURIComponent(r.invocationId)}`, class: "mono" }, r.invocationId) },
            { title: "function", cell: (r) => (r.version !== undefined ? `${r.function} v${r.version}` : r.function) },
            { title: "status", cell: (r) => h("span", {}, badge(r.status), r.errorCode ? h("span", { class: "muted" }, ` ${r.errorCode}`) : null) },
            { title: "node", cell: (r) => r.nodeId ?? "—" },
            { title: "attempts", num: true, cell: (r) => r.attempts },
            { title: "queue", num: true, cell: (r) => ms(r.queueMs) },
            { title: "run", num: true, cell: (r) => ms(r.runMs) },
            { title: "total", num: true, cell: (r) => ms(r.totalMs) },
          ],
          rows,
          (r) => r.invocationId,
          "No invocation matches",
        ),
      );
    };
    const reload = async () => {
      const { from, to } = window();
      loadedAt = Date.now();
      listed = await model.client.invocations({
        function: fn.value || undefined,
        status: status.value || undefined,
        since: new Date(from).toISOString(),
        until: to !== undefined ? new Date(to).toISOString() : undefined,
        limit: LIMIT,
      });
      draw();
    };
    for (const f of [fn, status, since, until]) f.addEventListener("change", () => void reload());
    void reload();
    return (topic) => {
      if (topic === "functions" && model.functions?.ok) {
        const chosen = fn.value;
        replace(fn, ...[["any function", ""] as const, ...model.functions.data.map((f) => [f.name, f.name] as const)].map(([l, v]) => {
          const o = h("option", {}, l);
          o.value = v;
          return o;
        }));
        fn.value = chosen;
      }
      if (topic === "results") draw();
    };
  },
};
