import { badge, h, ms, notice, replace, type Child } from "../dom.js";
import type { FinishedResult } from "../model.js";
import { refusal, type ConsoleView } from "../view.js";
import type { StoryStep } from "../wire.js";

function step(s: StoryStep): HTMLElement {
  return h(
    "li",
    { data: { type: s.type ?? "" } },
    h(
      "div",
      { class: "head" },
      h("strong", {}, s.type ?? "message"),
      h("span", { class: "muted" }, new Date(s.time).toLocaleTimeString()),
      h("span", { class: "muted mono" }, `${s.stream}#${s.seq} ${s.subject}`),
    ),
    s.error ? notice(`Not a Spear event: ${s.error.message} [${s.error.code}]`) : null,
    s.data !== undefined ? h("pre", {}, JSON.stringify(s.data, null, 2)) : null,
  );
}

function resultCard(r: FinishedResult): Child {
  return h(
    "div",
    { class: "cards" },
    h("div", { class: "card" }, h("div", { class: "n" }, badge(r.status)), h("div", { class: "l" }, r.error ? `${r.error.code}: ${r.error.message}` : "outcome")),
    h("div", { class: "card" }, h("div", { class: "n" }, r.version !== undefined ? `${r.function} v${r.version}` : r.function), h("div", { class: "l" }, "function")),
    h("div", { class: "card" }, h("div", { class: "n" }, r.nodeId ?? "—"), h("div", { class: "l" }, `node, ${r.attempts} attempt(s)`)),
    h("div", { class: "card" }, h("div", { class: "n" }, ms(r.timings.totalMs)), h("div", { class: "l" }, `queue ${ms(r.timings.queueMs)}, run ${ms(r.timings.runMs)}`)),
  );
}

/** One invocation's whole story from the streams: what `spear replay --invocation <id>` prints. */
export const storyView: ConsoleView = {
  route: "invocation",
  title: "Invocation",
  topics: [],
  mount(main, model, arg) {
    const id = arg ?? "";
    const outcome = h("div");
    const body = h("div", {}, notice("Loading…"));
    replace(main, h("h1", {}, "Invocation ", h("span", { class: "mono" }, id)), outcome, h("h2", {}, "Story"), body);
    const load = async () => {
      const story = await model.client.story(id);
      if (!story.ok) {
        replace(outcome, refusal(story, "an invocation's story"));
        return replace(body);
      }
      const { result, events, truncated } = story.data;
      replace(outcome, result ? resultCard(result) : notice("No result yet: still running, never submitted, or aged out."));
      replace(
        body,
        events.length ? h("ol", { class: "timeline" }, ...events.map(step)) : notice("The streams hold nothing about this invocation."),
        truncated ? notice(`Only the first ${events.length} messages are shown; spear replay --invocation prints them all.`) : null,
      );
    };
    void load();
    return () => undefined;
  },
};
