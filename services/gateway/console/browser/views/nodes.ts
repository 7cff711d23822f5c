import { since, badge, bar, card, h, replace, table } from "../dom.js";
import type { ConsoleNode } from "../model.js";
import { unanswered, type ConsoleView } from "../view.js";

/** A node silent for longer than this (three default heartbeats) is shown as stale before liveness declares it lost. */
const STALE_MS = 15_000;

function health(n: ConsoleNode, now: number): string {
  if (n.state !== "online") return n.state;
  return now - Date.parse(n.lastHeardAt) > STALE_MS ? "stale" : "healthy";
}

export const nodesView: ConsoleView = {
  route: "nodes",
  title: "Nodes",
  topics: ["nodes"],
  mount(main, model) {
    const summary = h("div", { class: "cards" });
    const body = h("div");
    replace(main, h("h1", {}, "Nodes"), summary, body);
    return () => {
      const a = model.nodes;
      const now = Date.now();
      if (!a?.ok) return replace(body, unanswered(a, "the nodes"));
      const live = a.data.filter((n) => n.state !== "deregistered");
      const slots = live.reduce((s, n) => s + n.capacity.slots, 0);
      const running = live.reduce((s, n) => s + (n.usage?.usage.running ?? 0), 0);
      replace(
        summary,
        card("nodes online", live.filter((n) => n.state === "online").length),
        card("draining", live.filter((n) => n.state === "draining").length),
        card("lost", live.filter((n) => n.state === "lost").length),
        card("slots in use", `${running} / ${slots}`),
      );
      replace(
        body,
        table(
          [
            { title: "node", cell: (n) => h("span", {}, h("strong", {}, n.name), n.name !== n.id ? h("span", { class: "muted" }, ` ${n.id}`) : null) },
            { title: "state", cell: (n) => h("span", {}, badge(n.state), n.drainReason ? h("span", { class: "muted" }, ` ${n.drainReason}`) : null) },
            { title: "health", cell: (n) => badge(health(n, now)) },
            { title: "slots", cell: (n) => h("span", {}, bar(n.usage?.usage.running ?? 0, n.capacity.slots), `${n.usage?.usage.running ?? 0} / ${n.capacity.slots}`) },
            { title: "CPU", num: true, cell: (n) => (n.usage ? `${n.usage.usage.cpuPercent.toFixed(1)} %` : "—") },
            { title: "memory", num: true, cell: (n) => (n.usage ? `${Math.round(n.usage.usage.memoryMb)} MB (${n.usage.usage.memoryPercent.toFixed(0)} %)` : "—") },
            { title: "load", num: true, cell: (n) => (n.usage ? n.usage.usage.load1.toFixed(2) : "—") },
            { title: "runtimes", cell: (n) => n.capabilities.runtimes.join(", ") },
            { title: "pools", cell: (n) => n.pools.join(", ") || "—" },
            { title: "last heard", cell: (n) => since(n.lastHeardAt, now) },
          ],
          a.data,
          (n) => n.id,
          "No node has registered",
        ),
      );
    };
  },
};
