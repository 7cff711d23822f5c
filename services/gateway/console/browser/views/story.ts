import { consolePaths } from "../client.js";
import { badge, h, ms, notice, replace, type Child } from "../dom.js";
import type { FinishedResult } from "../model.js";
import type { ConsoleView } from "../view.js";

/** One step of an invocation's story: a message of one of the streams about it (as `spear replay --json` prints it). */
interface StoryStep {
  stream?: string;
  seq?: number;
  subject?: string;
  time?: string;
  type?: string;
  data?: unknown;
}

const stepsOf = (story: unknown): StoryStep[] => {
  if (Array.isArray(story)) return story as StoryStep[];
  const o = story as { events?: unknown; steps?: unknown; items?: unknown };
  const list = o.events ?? o.steps ?? o.items;
  return Array.isArray(list) ? (list as StoryStep[]) : [];
};

function step(s: StoryStep): HTMLElement {
  return h(
    "li",
    { data: { type: s.type ?? "" } },
    h(
      "div",
      { class: "head" },
      h("strong", {}, s.type ?? "message"),
      h("span", { class: "muted" }, s.time ? new Date(s.time).toLocaleTimeString() : ""),
      h("span", { class: "muted mono" }, [s.stream, s.seq !== undefined ? `#${s.seq}` : "", s.subject ? ` ${s.subject}` : ""].join("")),
    ),
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
      const [story, result] = await Promise.all([model.client.get<unknown>(consolePaths.story(id)), model.client.get<FinishedResult>(consolePaths.invocation(id))]);
      replace(outcome, result.ok ? resultCard(result.data) : notice(result.code === "invocation_not_found" ? "No result yet: still running, never submitted, or aged out." : `${result.message} [${result.code}]`));
      if (story.ok) {
        const steps = stepsOf(story.data);
        return replace(body, steps.length ? h("ol", { class: "timeline" }, ...steps.map(step)) : notice("The streams hold nothing about this invocation."));
      }
      replace(
        body,
        story.unavailable
          ? notice("Not available: this gateway has no GET /v1/invocations/{id}/story yet; `spear replay --invocation <id>` prints the same story.")
          : notice(`Could not load the story: ${story.message} [${story.code}]`),
      );
    };
    void load();
    return () => undefined;
  },
};
