import bearerAuth from "@fastify/bearer-auth";
import type { GatewayApp } from "./route.js";

/** The OpenAPI security scheme the /v1 routes name when tokens are configured. */
export const SECURITY_SCHEME = "bearerToken";

/**
 * Bearer tokens on every route of `scope`, compared in constant time by @fastify/bearer-auth.
 * Its refusals go to the gateway's error handler, which answers 401 `unauthorized` with
 * `WWW-Authenticate`. No tokens: no check (the gateway warns at start).
 */
export async function requireTokens(scope: GatewayApp, tokens: readonly string[]): Promise<void> {
  if (tokens.length === 0) return;
  await scope.register(bearerAuth, { keys: new Set(tokens), addHook: false, verifyErrorLogLevel: "warn" });
  scope.addHook("onRequest", scope.verifyBearerAuth!);
}
