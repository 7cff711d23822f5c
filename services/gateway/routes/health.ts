import { z } from "zod";
import { api } from "../../../domain/api/registry.js";
import { SpearError } from "../../../domain/errors.js";
import { smsRequest } from "../../api/client.js";
import { errorResponses, ok, type GatewayRoute } from "../route.js";

const Healthy = z.object({ status: z.literal("ok") });
const Ready = z.object({
  status: z.literal("ready"),
  natsRttMs: z.number().nonnegative().describe("Round trip to the NATS server"),
  controlPlane: z.literal("answering"),
});

const healthz: GatewayRoute = {
  method: "GET",
  path: "/healthz",
  summary: "Liveness: the gateway process is up",
  calls: [],
  success: [200],
  register: (app) => {
    app.get("/healthz", { schema: { operationId: "healthz", tags: ["health"], summary: healthz.summary, response: { 200: ok("Up", Healthy) } } }, async () => ({
      status: "ok" as const,
    }));
  },
};

const readyz: GatewayRoute = {
  method: "GET",
  path: "/readyz",
  summary: "Readiness: NATS is connected and the control plane answers",
  calls: ["a NATS round trip", api.cluster.stats.subject],
  success: [200],
  register: (app, { nats, config }) => {
    app.get(
      "/readyz",
      {
        schema: {
          operationId: "readyz",
          tags: ["health"],
          summary: readyz.summary,
          description: "503 `nats_unreachable` while NATS is away; 503 `service_unavailable` or 504 `timeout` while no control-plane replica answers.",
          response: { 200: ok("Ready", Ready), ...errorResponses },
        },
      },
      async () => {
        let natsRttMs: number;
        try {
          natsRttMs = await nats.nc.rtt();
        } catch (e) {
          throw new SpearError("nats_unreachable", `NATS does not answer: ${e instanceof Error ? e.message : String(e)}`);
        }
        await smsRequest(nats.nc, api.cluster.stats, {}, { timeoutMs: config.readyTimeout });
        return { status: "ready" as const, natsRttMs, controlPlane: "answering" as const };
      },
    );
  },
};

export const healthRoutes: readonly GatewayRoute[] = [healthz, readyz];
