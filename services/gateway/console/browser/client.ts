import type { DlqEntry, DlqSummary, InvocationFilter, InvocationPage, ListPage, RedriveItem, Story } from "./wire.js";

/*
 * The console's one door to the gateway: every path it calls is here, so a route that moves
 * is changed in one place. Every request carries the token as a bearer header (no cookie).
 */

export const consolePaths = {
  nodes: "/v1/nodes",
  pools: "/v1/pools",
  pool: (id: string) => `/v1/pools/${encodeURIComponent(id)}`,
  functions: "/v1/functions",
  fn: (name: string) => `/v1/functions/${encodeURIComponent(name)}`,
  stats: "/v1/cluster/stats",
  projections: "/v1/cluster/projections",
  events: "/v1/cluster/events",
  invocations: "/v1/invocations",
  story: (id: string) => `/v1/invocations/${encodeURIComponent(id)}/story`,
  deadLetters: "/v1/dlq",
  deadLetter: (seq: number) => `/v1/dlq/${encodeURIComponent(String(seq))}`,
  redrive: "/v1/dlq:redrive",
} as const;

/** A request the gateway did not answer with data. */
export interface ConsoleRefusal {
  readonly ok: false;
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** The gateway has no such route (404 `route_not_found`). */
  readonly unavailable: boolean;
  /** The token lacks this scope (403 `forbidden`, reason `missing_scope`): the history and dead-letter routes need `admin`. */
  readonly missingScope?: string;
}

export type Answer<T> = { readonly ok: true; readonly data: T } | ConsoleRefusal;

const TOKEN_KEY = "spear.console.token";

export class ConsoleClient {
  /** Called when the gateway refuses the token: the page asks for another. */
  onUnauthorized: () => void = () => undefined;

  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  set token(t: string | null) {
    if (t === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, t);
  }

  headers(): Record<string, string> {
    const t = this.token;
    return t ? { authorization: `Bearer ${t}` } : {};
  }

  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<Answer<T>> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, String(v));
    const s = q.toString();
    return this.call<T>("GET", s ? `${path}?${s}` : path);
  }

  post<T>(path: string, body: unknown): Promise<Answer<T>> {
    return this.call<T>("POST", path, body);
  }

  /** Final results, newest first (admin). */
  invocations(filter: InvocationFilter): Promise<Answer<InvocationPage>> {
    return this.get(consolePaths.invocations, { ...filter });
  }

  /** One invocation's result (null while it runs) and every stored message about it (admin). */
  story(invocationId: string): Promise<Answer<Story>> {
    return this.get(consolePaths.story(invocationId));
  }

  /** Dead letters, newest first (admin). */
  deadLetters(limit: number): Promise<Answer<ListPage<DlqSummary>>> {
    return this.get(consolePaths.deadLetters, { limit });
  }

  /** One dead letter with the original headers and body (admin). */
  deadLetter(seq: number): Promise<Answer<DlqEntry>> {
    return this.get(consolePaths.deadLetter(seq));
  }

  /** Sends one dead-lettered invocation back as a new invocation (admin); idempotent. */
  redrive(seq: number): Promise<Answer<{ items: RedriveItem[]; skipped: { seq: number; code: string; message: string }[] }>> {
    return this.post(consolePaths.redrive, { seq });
  }

  /** Every page of a list route (`items`, `nextCursor`). */
  async all<T>(path: string): Promise<Answer<T[]>> {
    const items: T[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const a = await this.get<{ items: T[]; nextCursor: string | null }>(path, { limit: 1000, cursor });
      if (!a.ok) return a;
      items.push(...a.data.items);
      if (!a.data.nextCursor) break;
      cursor = a.data.nextCursor;
    }
    return { ok: true, data: items };
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: { ...this.headers(), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        credentials: "omit",
      });
    } catch (e) {
      return { ok: false, status: 0, code: "unreachable", message: `the gateway did not answer: ${String(e)}`, unavailable: false };
    }
    const json = (await res.json().catch(() => undefined)) as (T & { code?: string; message?: string; details?: { reason?: string; scope?: string } }) | undefined;
    if (res.ok) return { ok: true, data: json as T };
    if (res.status === 401) this.onUnauthorized();
    const code = json?.code ?? "http_" + res.status;
    const scope = res.status === 403 && json?.details?.reason === "missing_scope" ? json.details.scope : undefined;
    return {
      ok: false,
      status: res.status,
      code,
      message: json?.message ?? res.statusText,
      // A route this gateway does not have: the view says so instead of failing.
      unavailable: res.status === 404 && code === "route_not_found",
      ...(scope ? { missingScope: scope } : {}),
    };
  }
}
