import Fastify from "fastify";
import type { Logger } from "pino";
import { SpearError } from "../../domain/errors.js";
import { metricsContentType, metricsText } from "../metrics/registry.js";

/** A named readiness condition of a service: true when that part can do its work now. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface MonitorOptions {
  /** The process, as the probes name it (`scheduler`, `spearlet`, ...). */
  readonly service: string;
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  readonly log: Logger;
}

export interface MonitorServer {
  /** `http://host:port` */
  readonly url: string;
  /** Adds (or replaces) the checks `/readyz` runs; none yet means "starting". */
  setChecks(checks: Readonly<Record<string, ReadinessCheck>>): void;
  close(): Promise<void>;
}

/**
 * The probes every long-running process serves over HTTP on its own port, so a supervisor or an
 * orchestrator can ask it even while NATS is away: `/healthz` answers 200 while the process runs;
 * `/readyz` answers 200 when every readiness check passes (NATS connected, Redis reachable, the
 * service's own parts), otherwise 503 naming the failing checks; `/metrics` serves the process's
 * metrics in Prometheus text format (services/metrics/catalog.ts), for a scraper.
 */
export async function startMonitor(o: MonitorOptions): Promise<MonitorServer> {
  let checks: Readonly<Record<string, ReadinessCheck>> = {};
  let started = false;
  const app = Fastify({ logger: false });
  app.get("/healthz", async () => ({ status: "ok", service: o.service, pid: process.pid, uptimeMs: Math.round(process.uptime() * 1000) }));
  app.get("/readyz", async (_req, reply) => {
    const results: Record<string, boolean> = {};
    for (const [name, check] of Object.entries(checks)) {
      try {
        results[name] = await check();
      } catch {
        results[name] = false;
      }
    }
    const ready = started && Object.values(results).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : started ? "not_ready" : "starting", service: o.service, checks: results });
  });
  app.get("/metrics", async (_req, reply) => reply.type(metricsContentType).send(await metricsText()));
  try {
    await app.listen({ host: o.host, port: o.port });
  } catch (e) {
    await app.close();
    throw new SpearError("server_start_failed", `the monitor port ${o.host}:${o.port} cannot be opened: ${e instanceof Error ? e.message : String(e)}`, {
      host: o.host,
      port: o.port,
    });
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : o.port;
  const url = `http://${o.host.includes(":") ? `[${o.host}]` : o.host}:${port}`;
  o.log.info({ url }, "monitor listening (/healthz, /readyz, /metrics)");
  return {
    url,
    setChecks(next) {
      checks = next;
      started = true;
    },
    close: () => app.close(),
  };
}
