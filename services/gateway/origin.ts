import cors from "@fastify/cors";
import { hostname, networkInterfaces } from "node:os";
import { SpearError } from "../../domain/errors.js";
import { H } from "../../domain/headers.js";
import type { GatewayConfig } from "./config.js";
import type { GatewayApp } from "./route.js";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);

const bracketed = (address: string) => (address.includes(":") && !address.startsWith("[") ? `[${address}]` : address);

/** The name in a `Host` header (`name[:port]`), lowercased without a trailing dot; undefined when it holds anything else. */
function hostNameOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  let u: URL;
  try {
    u = new URL(`http://${host}`);
  } catch {
    return undefined;
  }
  // `evil@127.0.0.1` or `127.0.0.1/x` parse too, naming another host than they seem to.
  if (u.username || u.password || u.pathname !== "/" || u.search || u.hash) return undefined;
  return u.hostname.replace(/\.$/, "");
}

/**
 * The names the gateway answers to: the loopback names, the address it listens on (on a
 * wildcard address, every interface's address and the machine's name), and --allowed-hosts.
 */
export function allowedHostNames(config: Pick<GatewayConfig, "host" | "allowedHosts">): ReadonlySet<string> {
  const bound = config.host.toLowerCase();
  const own = WILDCARDS.has(bound)
    ? [
        hostname().toLowerCase(),
        ...Object.values(networkInterfaces())
          .flatMap((list) => list ?? [])
          .map((i) => bracketed(i.address.toLowerCase())),
      ]
    : [bracketed(bound)];
  return new Set([...LOOPBACK_NAMES, ...own, ...config.allowedHosts]);
}

/**
 * A request must name the gateway in `Host`: a page whose own name was pointed at this
 * address (DNS rebinding) sends its own name there and gets 421 `host_not_allowed`, on every
 * route. `*` among the names turns the check off (behind a proxy that checks `Host` itself).
 */
export function guardHost(app: GatewayApp, names: ReadonlySet<string>): void {
  if (names.has("*")) return;
  app.addHook("onRequest", async (request) => {
    const host = request.headers.host;
    const name = hostNameOf(host);
    if (name !== undefined && names.has(name)) return;
    const shown = (host ?? "").slice(0, 256);
    throw new SpearError("host_not_allowed", `this gateway does not answer to the host '${shown}'; a name of this gateway is added with --allowed-hosts`, {
      host: shown,
    });
  });
}

/** Whether `Origin` is the gateway's own origin (its /docs page): the same host and port as `Host`. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * A browser names the page's origin in `Origin` on every cross-origin request and on every
 * POST. Only the gateway's own origin and --cors-origins may call it: any other origin is
 * refused with 403 `forbidden` before anything happens, even the simple requests (a form
 * POST, a fetch without CORS) that CORS alone would let through. The allowed origins get CORS
 * answers (@fastify/cors, preflights included); none are allowed by default.
 */
export async function guardOrigin(app: GatewayApp, allowed: readonly string[]): Promise<void> {
  const origins = new Set(allowed);
  app.addHook("onRequest", async (request) => {
    const origin = request.headers.origin;
    if (origin === undefined || origins.has(origin) || sameOrigin(origin, request.headers.host)) return;
    const shown = origin.slice(0, 256);
    throw new SpearError("forbidden", `requests from the origin '${shown}' are not allowed; an origin is allowed with --cors-origins`, {
      reason: "origin_not_allowed",
      origin: shown,
    });
  });
  if (origins.size === 0) return;
  await app.register(cors, {
    origin: [...origins],
    methods: ["GET", "HEAD", "POST", "DELETE"],
    allowedHeaders: ["authorization", "content-type", H.correlationId],
    exposedHeaders: ["location", "retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"],
    maxAge: 600,
  });
}
