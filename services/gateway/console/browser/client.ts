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
  invocation: (id: string) => `/v1/invocations/${encodeURIComponent(id)}`,
  story: (id: string) => `/v1/invocations/${encodeURIComponent(id)}/story`,
  deadLetters: "/v1/dlq",
  redrive: "/v1/dlq:redrive",
} as const;

export type Answer<T> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly status: number; readonly code: string; readonly message: string; readonly unavailable: boolean };

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
    const json = (await res.json().catch(() => undefined)) as (T & { code?: string; message?: string }) | undefined;
    if (res.ok) return { ok: true, data: json as T };
    if (res.status === 401) this.onUnauthorized();
    const code = json?.code ?? "http_" + res.status;
    // A route this gateway does not have (yet): the view says so instead of failing.
    return { ok: false, status: res.status, code, message: json?.message ?? res.statusText, unavailable: res.status === 404 && code === "route_not_found" };
  }
}
