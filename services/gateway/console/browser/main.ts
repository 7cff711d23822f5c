import { consolePaths, ConsoleClient } from "./client.js";
import { h, replace } from "./dom.js";
import { followLive } from "./live.js";
import { ConsoleModel, type Topic } from "./model.js";
import type { ConsoleView } from "./view.js";
import { deadLettersView } from "./views/dead-letters.js";
import { functionsView } from "./views/functions.js";
import { instancesView } from "./views/instances.js";
import { invocationsView } from "./views/invocations.js";
import { nodesView } from "./views/nodes.js";
import { poolsView } from "./views/pools.js";
import { projectionsView } from "./views/projections.js";
import { storyView } from "./views/story.js";

const views: readonly ConsoleView[] = [nodesView, poolsView, functionsView, instancesView, invocationsView, deadLettersView, projectionsView, storyView];
const inNav = views.filter((v) => v !== storyView);

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const client = new ConsoleClient();
const model = new ConsoleModel(client);
let live: AbortController | undefined;
let redraw: ((t: Topic) => void) | undefined;

function showLive(connected: boolean): void {
  const badge = byId("live");
  badge.textContent = connected ? "live" : "reconnecting…";
  badge.className = `live ${connected ? "on" : "off"}`;
  if (connected) model.reloadWatched();
}

function route(): void {
  const [name = "nodes", ...rest] = decodeURIComponent(location.hash.slice(1)).split("/");
  const view = views.find((v) => v.route === name) ?? nodesView;
  for (const a of Array.from(byId("nav").querySelectorAll("a"))) a.classList.toggle("current", a.getAttribute("href") === `#${view.route}`);
  model.watched = new Set(view.topics);
  redraw = view.mount(byId("view"), model, rest.length ? rest.join("/") : undefined);
  for (const t of view.topics) {
    redraw(t);
    if (t !== "results" && t !== "deadLetters") void model.load(t);
  }
}

function start(): void {
  byId("login").hidden = true;
  byId("nav").hidden = false;
  byId("signout").hidden = client.token === null;
  replace(byId("nav"), ...inNav.map((v) => h("a", { href: `#${v.route}` }, v.title)));
  live = new AbortController();
  void followLive(client, (n) => model.apply(n), showLive, live.signal);
  route();
}

function askForToken(message = ""): void {
  live?.abort();
  client.token = null;
  byId("nav").hidden = true;
  byId("signout").hidden = true;
  replace(byId("view"));
  byId("login").hidden = false;
  byId("login-error").textContent = message;
  byId<HTMLInputElement>("token").focus();
}

model.onChange((t) => {
  if (model.watched.has(t)) redraw?.(t);
});
client.onUnauthorized = () => askForToken("The gateway did not accept this token.");
window.addEventListener("hashchange", () => {
  if (byId("login").hidden) route();
});
byId("signout").addEventListener("click", () => askForToken());
byId("login").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = byId<HTMLInputElement>("token");
  client.token = input.value.trim();
  input.value = "";
  void open();
});

/** Opens the console when the gateway lets this tab in: with the token it holds, or with none on a gateway without tokens. */
async function open(): Promise<void> {
  const tried = client.token !== null;
  const probe = await client.get(consolePaths.nodes, { limit: 1 });
  if (probe.ok) return start();
  if (probe.status === 401) return askForToken(tried ? "The gateway did not accept this token." : "");
  if (probe.status === 403) return askForToken(`This token may not read the cluster: ${probe.message}`);
  askForToken(`The gateway answered ${probe.status}: ${probe.message}`);
}

void open();
