import type { Answer } from "./client.js";
import { notice, type Child } from "./dom.js";
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

/** What to show instead of data a request did not give: a route not on this gateway, or the refusal. */
export function unanswered(a: Answer<unknown> | undefined, what: string): Child {
  if (a === undefined) return notice(`Loading ${what}…`);
  if (a.ok) return null;
  if (a.unavailable) return notice(`Not available: this gateway has no route for ${what} yet.`);
  return notice(`Could not load ${what}: ${a.message} [${a.code}]`);
}
