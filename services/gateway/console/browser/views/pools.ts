import { badge, h, replace, table } from "../dom.js";
import { unanswered, type ConsoleView } from "../view.js";

export const poolsView: ConsoleView = {
  route: "pools",
  title: "Pools",
  topics: ["pools", "nodes"],
  mount(main, model) {
    const body = h("div");
    replace(main, h("h1", {}, "Pools"), body);
    return () => {
      const a = model.pools;
      if (!a?.ok) return replace(body, unanswered(a, "the pools"));
      const stateOf = new Map(model.nodes?.ok ? model.nodes.data.map((n) => [n.id, n.state]) : []);
      replace(
        body,
        table(
          [
            { title: "pool", cell: (p) => h("strong", {}, p.id) },
            { title: "name", cell: (p) => p.definition.name ?? "—" },
            { title: "kind", cell: (p) => (p.generated ? "auto-generated" : "configured") },
            { title: "languages", cell: (p) => (p.languages === null ? "any" : p.languages.join(", ") || "—") },
            { title: "members", num: true, cell: (p) => p.memberCount },
            { title: "member nodes", cell: (p) => h("span", {}, ...p.members.flatMap((m) => [badge(m, stateOf.get(m) ?? ""), " "])) },
          ],
          a.data,
          (p) => p.id,
          "No pool yet: pools are configured with spear pools apply, or generated from the nodes' languages",
        ),
      );
    };
  },
};
