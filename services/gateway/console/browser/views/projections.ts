import { badge, h, replace, table } from "../dom.js";
import type { ProjectionRow } from "../model.js";
import { unanswered, type ConsoleView } from "../view.js";

const lagBadge = (p: ProjectionRow) => (p.lag === null ? badge("no worker", "warn") : p.lag === 0 ? badge("0", "ok") : badge(String(p.lag), "behind"));

export const projectionsView: ConsoleView = {
  route: "projections",
  title: "Projections",
  topics: ["projections"],
  mount(main, model) {
    const body = h("div");
    replace(main, h("h1", {}, "Projections"), body);
    return () => {
      const a = model.projections;
      if (!a?.ok) return replace(body, unanswered(a, "the projections"));
      replace(
        body,
        table<ProjectionRow>(
          [
            { title: "projection", cell: (p) => h("span", { title: p.description }, h("strong", {}, p.name)) },
            { title: "stream", cell: (p) => p.stream },
            { title: "checkpoint", num: true, cell: (p) => p.checkpoint },
            { title: "lag", num: true, cell: lagBadge },
            { title: "worker", cell: (p) => p.owner ?? "—" },
            { title: "lock renewed", num: true, cell: (p) => (p.ownerRenewedMsAgo === null ? "—" : `${(p.ownerRenewedMsAgo / 1000).toFixed(1)} s ago`) },
          ],
          a.data.projections,
          (p) => p.name,
        ),
      );
    };
  },
};
