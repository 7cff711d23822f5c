/**
 * A NATS URL may carry the user and password (`nats://user:password@host:port`), as `spear dev`
 * writes them for each role and as Redis URLs do; nats.js itself ignores them, so they are
 * taken out here and given as options. Only the first server's are read: one identity per
 * connection.
 */
export interface NatsServers {
  readonly servers: string[];
  readonly user?: string;
  readonly password?: string;
  /** The URL without secrets, for logs and errors. */
  readonly display: string;
}

export function parseNatsUrl(url: string): NatsServers {
  let user: string | undefined;
  let password: string | undefined;
  const servers = url.split(",").map((raw) => {
    const s = raw.trim();
    const at = s.lastIndexOf("@");
    if (at < 0) return s;
    const scheme = s.indexOf("://");
    const info = s.slice(scheme < 0 ? 0 : scheme + 3, at);
    const colon = info.indexOf(":");
    user ??= decodeURIComponent(colon < 0 ? info : info.slice(0, colon));
    password ??= colon < 0 ? undefined : decodeURIComponent(info.slice(colon + 1));
    return `${scheme < 0 ? "" : s.slice(0, scheme + 3)}${s.slice(at + 1)}`;
  });
  return { servers, ...(user ? { user } : {}), ...(password !== undefined ? { password } : {}), display: servers.join(",") };
}

/** A URL (NATS or Redis) with its password masked, for logs. */
export const redactUrl = (url: string): string => url.replace(/(\/\/[^:/@,]*):[^@/,]*@/g, "$1:***@");
