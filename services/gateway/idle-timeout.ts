import type { GatewayApp } from "./route.js";

/**
 * The connection timeout counts idleness while the request or the answer travels, not while
 * the gateway works on a request whose body has arrived (a synchronous invoke waits up to its
 * waitMs, a deploy uploads the artifact): the timer is off from the handler until the answer.
 */
export function pauseIdleTimeoutWhileWorking(app: GatewayApp, connectionTimeout: number): void {
  app.addHook("preHandler", async (request) => {
    request.raw.socket.setTimeout(0);
  });
  app.addHook("onSend", async (request) => {
    request.raw.socket.setTimeout(connectionTimeout);
  });
}
