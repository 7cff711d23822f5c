import type { ServerOptions } from "node:http";
import type { GatewayConfig } from "./config.js";

/** Node's limit on the request line and headers (http.maxHeaderSize), kept as it is. */
const MAX_HEADER_BYTES = 16 * 1024;

type Timeouts = Pick<GatewayConfig, "requestTimeout" | "headersTimeout" | "connectionTimeout">;

/**
 * How long a client may take: the headers within --headers-timeout (a connection that sends
 * nothing included), the whole request within --request-timeout (an upload trickled forever
 * is cut; both answered 408 by clientErrorHandler), and a connection idle for
 * --connection-timeout (and between requests) is closed. Node checks the first two every
 * `connectionsCheckingInterval` (30 s by default), so the check runs often enough for them.
 */
export function serverOptions(config: Timeouts): {
  requestTimeout: number;
  connectionTimeout: number;
  keepAliveTimeout: number;
  http: ServerOptions;
  routerOptions: { maxParamLength: number };
} {
  const checkEvery = Math.min(1_000, Math.max(50, Math.floor(Math.min(config.headersTimeout, config.requestTimeout) / 5)));
  return {
    requestTimeout: config.requestTimeout,
    connectionTimeout: config.connectionTimeout,
    keepAliveTimeout: config.connectionTimeout,
    // A request without `Host` is refused by the Host check, in the documented shape, not by Node with a bare 400.
    http: { headersTimeout: config.headersTimeout, connectionsCheckingInterval: checkEvery, maxHeaderSize: MAX_HEADER_BYTES, requireHostHeader: false },
    // A path parameter as long as a URL can be is checked by the route's schema (400 naming
    // it), not cut by the router with its own 414.
    routerOptions: { maxParamLength: MAX_HEADER_BYTES },
  };
}
