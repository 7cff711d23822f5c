import { h, replace, table } from "../dom.js";
import type { InstanceCount } from "../live.js";
import { unanswered, type ConsoleView } from "../view.js";

/** Instances by state on every node, from each node's latest status report. */
export const instancesView: ConsoleView = {
  route: "instances",
  title: "Instances",
  topics: ["nodes"],
  mount(main, model) {
    const body = h("div");
    replace(main, h("h1", {}, "Instances by node"), body);
    return () => {
      const a = model.nodes;
      if (!a?.ok) return replace(body, unanswered(a, "the nodes"));
      const nodes = a.data.filter((n) => n.state !== "deregistered");
      replace(
        body,
        h(
          "div",
          { class: "grid" },
          ...nodes.map((n) => {
            const rows = n.usage?.instances ?? [];
            const sum = (k: "ready" | "busy" | "total") => rows.reduce((s, r) => s + r[k], 0);
            return h(
              "section",
              { data: { node: n.id } },
              h("h2", {}, n.name, h("span", { class: "muted" }, `  ${sum("total")} instances: ${sum("busy")} busy, ${sum("ready")} ready`)),
              table<InstanceCount>(
                [
                  { title: "function", cell: (r) => `${r.function} v${r.version}` },
                  { title: "busy", num: true, cell: (r) => r.busy },
                  { title: "ready", num: true, cell: (r) => r.ready },
                  { title: "starting / stopping", num: true, cell: (r) => r.total - r.ready - r.busy },
                  { title: "total", num: true, cell: (r) => r.total },
                ],
                rows,
                (r) => `${r.function}@${r.version}`,
                n.usage ? "No instance" : "No status report yet",
              ),
            );
          }),
        ),
      );
    };
  },
};
