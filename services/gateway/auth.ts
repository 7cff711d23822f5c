import bearerAuth from "@fastify/bearer-auth";
import type { FastifyRequest } from "fastify";
import { SpearError } from "../../domain/errors.js";
import type { GatewayApp } from "./route.js";
import { grants, type Scope } from "./scopes.js";
import { TokenVerifier, type Credential } from "./tokens.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The scope a /v1 route needs (route.ts sets it from the route's table entry). */
    scope?: Scope;
  }
  interface FastifyRequest {
    /** Whose token the request carries; null on a gateway without tokens and on public routes. */
    credential: Credential | null;
  }
}

/** The OpenAPI security scheme the /v1 routes name when tokens are configured. */
export const SECURITY_SCHEME = "bearerToken";

/**
 * The probes, /docs, /openapi.json and / are public; every other request, an unknown route's
 * included (so a caller without a token learns nothing, not even which routes exist), needs a token.
 */
const needsToken = (request: FastifyRequest): boolean => {
  const route = request.routeOptions.url;
  return route === undefined || route.startsWith("/v1");
};

/**
 * Bearer tokens with scopes, checked in onRequest hooks, before the body is read: no token or
 * an unknown one is 401 `unauthorized` (@fastify/bearer-auth parses the header; the token is
 * looked up in constant time by TokenVerifier), a token without the route's scope 403
 * `forbidden`. No credentials: no check (the gateway warns at start).
 */
export async function requireTokens(app: GatewayApp, credentials: readonly Credential[]): Promise<void> {
  app.decorateRequest("credential", null);
  if (credentials.length === 0) return;
  const verifier = new TokenVerifier(credentials);
  await app.register(bearerAuth, {
    keys: new Set<string>(),
    addHook: false,
    verifyErrorLogLevel: "warn",
    auth: (token, request) => {
      const found = verifier.find(token);
      if (found) request.credential = found;
      return found !== undefined;
    },
  });
  const verify = app.verifyBearerAuth!;
  app.addHook("onRequest", (request, reply, done) => (needsToken(request) ? verify(request, reply, done) : done()));
  app.addHook("onRequest", async (request) => {
    const scope = request.routeOptions.config.scope;
    const held = request.credential;
    if (scope === undefined || held === null || grants(held.scopes, scope)) return;
    throw new SpearError("forbidden", `the token '${held.name}' lacks the '${scope}' scope this route needs (it has ${[...held.scopes].join(", ")})`, {
      reason: "missing_scope",
      scope,
      token: held.name,
    });
  });
}
