/*
 * Building the console's elements. Text goes in as text nodes only, never as HTML, so whatever
 * the cluster holds (a function's name, an error message, a dead letter's reason) shows as
 * written and cannot become markup or script.
 */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  readonly class?: string;
  readonly title?: string;
  /** Only the console's own routes (`#...`): a link never leads elsewhere or runs anything. */
  readonly href?: `#${string}`;
  readonly data?: Readonly<Record<string, string>>;
  readonly onClick?: () => void;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.title) e.title = props.title;
  if (props.href) e.setAttribute("href", props.href);
  for (const [k, v] of Object.entries(props.data ?? {})) e.dataset[k] = v;
  if (props.onClick) e.addEventListener("click", props.onClick);
  append(e, children);
  return e;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

export const badge = (text: string, kind = text) => h("span", { class: `badge ${kind}` }, text);

export const notice = (...text: Child[]) => h("p", { class: "notice", data: { notice: "" } }, ...text);

export interface Column<R> {
  readonly title: string;
  readonly num?: boolean;
  readonly cell: (row: R) => Child;
}

/** A table of rows; `key` names each row (data-key) so tests and live updates can find it. */
export function table<R>(columns: readonly Column<R>[], rows: readonly R[], key: (row: R) => string, empty = "Nothing yet"): HTMLElement {
  const head = h("tr", {}, ...columns.map((c) => h("th", c.num ? { class: "num" } : {}, c.title)));
  const body = rows.length
    ? rows.map((r) => h("tr", { data: { key: key(r) } }, ...columns.map((c) => h("td", c.num ? { class: "num" } : {}, c.cell(r)))))
    : [h("tr", {}, h("td", { class: "muted" }, empty))];
  return h("table", {}, h("thead", {}, head), h("tbody", {}, ...body));
}

export const card = (label: string, value: Child) => h("div", { class: "card" }, h("div", { class: "n" }, value), h("div", { class: "l" }, label));

export function bar(used: number, of: number): HTMLElement {
  const fill = h("span");
  fill.style.width = `${of > 0 ? Math.min(100, Math.round((used / of) * 100)) : 0}%`;
  return h("span", { class: "bar" }, fill);
}

export const ms = (v: number | null | undefined) => (v === null || v === undefined ? "—" : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v * 10) / 10} ms`);

export function since(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ago` : `${Math.floor(s / 3600)}h ago`;
}

export const clock = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleTimeString() : "—");
