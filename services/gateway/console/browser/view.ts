import type { Answer, ConsoleRefusal } from "./client.js";
import { h, notice, type Child } from "./dom.js";
import type { ConsoleModel, Topic } from "./model.js";

/** One page of the console, at `#<route>` (or `#<route>/<arg>`). */
export interface ConsoleView {
  readonly route: string;
  readonly title: string;
  /** What it shows: loaded when it opens, reloaded when the live stream says they changed. */
  readonly topics: readonly Topic[];
  /** Builds the page; the returned function redraws it after `topic` changed. */
  mount(main: HTMLElement, model: ConsoleModel, arg: string | undefined): (topic: Topic) => void;
}

/** Why a request gave no data, in words: a token without the scope, a route not on this gateway, or the refusal itself. */
export function explain(a: ConsoleRefusal, what: string): string {
  if (a.missingScope) return `The gateway refused ${what} to this token: it needs the ${a.missingScope} scope (403 forbidden). Sign out and open the console with a token that has it.`;
  if (a.unavailable) return `Not available: this gateway has no route for ${what}.`;
  return `Could not load ${what}: ${a.message} [${a.code}]`;
}

/** The notice for a refusal; `data-refused` says which (`scope` when the token lacks one). */
export const refusal = (a: ConsoleRefusal, what: string): HTMLElement => h("p", { class: "notice", data: { notice: "", refused: a.missingScope ? "scope" : a.code } }, explain(a, what));

/** What to show instead of data a request did not give. */
export function unanswered(a: Answer<unknown> | undefined, what: string): Child {
  if (a === undefined) return notice(`Loading ${what}…`);
  return a.ok ? null : refusal(a, what);
}
