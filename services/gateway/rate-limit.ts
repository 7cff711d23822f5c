import rateLimit from "@fastify/rate-limit";
import type { FastifyRequest } from "fastify";
import ms from "ms";
import { SpearError } from "../../domain/errors.js";
import type { GatewayConfig } from "./config.js";
import type { GatewayApp } from "./route.js";

/**
 * A limit on the requests of each token (each client address on a gateway without tokens)
 * per --rate-window, on the routes of `scope` (the /v1 ones; the probes and docs are never
 * limited). A token's own `rateLimit` replaces --rate-limit; 0 is no limit. Past it: 429
 * `rate_limited` with `Retry-After`. The hook runs after the token and scope checks, so an
 * unauthenticated caller cannot use up a token's budget. Counts are per gateway process.
 */
export async function limitRate(scope: GatewayApp, config: Pick<GatewayConfig, "rateLimit" | "rateWindow">): Promise<void> {
  const limitOf = (request: FastifyRequest) => request.credential?.rateLimit ?? config.rateLimit;
  await scope.register(rateLimit, {
    global: true,
    hook: "onRequest",
    timeWindow: config.rateWindow,
    max: (request) => limitOf(request),
    allowList: (request) => limitOf(request) === 0,
    keyGenerator: (request) => (request.credential ? `token:${request.credential.name}` : `address:${request.ip}`),
    errorResponseBuilder: (request, context) =>
      new SpearError(
        "rate_limited",
        `more than ${context.max} requests in ${ms(config.rateWindow, { long: true })} ${request.credential ? `with the token '${request.credential.name}'` : "from this address"}; retry in ${context.after}`,
        { reason: "gateway_rate_limit", limit: context.max, windowMs: config.rateWindow, ...(request.credential ? { token: request.credential.name } : {}) },
      ),
  });
}
