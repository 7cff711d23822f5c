import { SpearError } from "../../domain/errors.js";
import type { GatewayApp } from "./route.js";

/**
 * While the gateway closes, requests still arriving on open connections are answered 503
 * `service_unavailable` in the documented shape (Fastify's own 503 has another shape), and
 * their connections closed.
 */
export function refuseWhileClosing(app: GatewayApp): void {
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onRequest", async (_request, reply) => {
    if (!closing) return;
    reply.header("connection", "close");
    throw new SpearError("service_unavailable", "the gateway is shutting down; retry on another one");
  });
}
