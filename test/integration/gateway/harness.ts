import { afterAll, beforeAll } from "vitest";
import { parseConfig } from "../../../services/config.js";
import { GatewayConfig, type GatewayConfigInput } from "../../../services/gateway/config.js";
import { startGateway, type RunningGateway } from "../../../services/gateway/server.js";
import { defaultStreamSettings } from "../../../streams/catalog.js";
import type { Nats } from "../../../streams/connection.js";
import { connectTest, testLog } from "../../support/nats.js";
import { useCluster } from "../../support/cluster.js";

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** The body as JSON (undefined when it is not JSON). */
  readonly json: any;
  readonly text: string;
}

export interface HttpOptions {
  /** JSON-encoded, with content-type application/json, unless it is a FormData or a string. */
  readonly body?: unknown;
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

/** Calls a gateway on 127.0.0.1 with fetch and reads the whole answer (of an event stream, the status and headers). */
export async function http(base: string, method: string, path: string, o: HttpOptions = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let body: string | FormData | undefined;
  if (o.body instanceof FormData || typeof o.body === "string") body = o.body;
  else if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}), redirect: "manual" });
  // A server-sent event stream does not end: its status and headers are the answer.
  if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
    await res.body?.cancel();
    return { status: res.status, headers: res.headers, json: undefined, text: "" };
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/**
 * A cluster where invocations complete (nats-server, redis-server, the control plane, one
 * scheduler and simulated spearlets) and gateways in front of it on free loopback ports, each
 * on its own NATS connection, as `spear gateway` runs.
 */
export function useGatewayCluster(gateways: Record<string, GatewayConfigInput>) {
  const cluster = useCluster({ queueTimeout: 3_000 });
  const s: { conns: Nats[]; running: Map<string, RunningGateway> } = { conns: [], running: new Map() };

  beforeAll(async () => {
    await cluster.spearlet("gw-node-1", 4);
    for (const [name, input] of Object.entries(gateways)) {
      const nats = await connectTest(cluster.servers.nats.url);
      s.conns.push(nats);
      const config = parseConfig(GatewayConfig, { port: 0, ...input });
      s.running.set(name, await startGateway({ nats, config, log: testLog, streams: defaultStreamSettings }));
    }
  });
  afterAll(async () => {
    for (const g of s.running.values()) await g.close();
    for (const c of s.conns) await c.nc.close();
  });

  const gateway = (name: string) => {
    const g = s.running.get(name);
    if (!g) throw new Error(`gateway ${name} not started`);
    return g;
  };
  return {
    cluster,
    gateway,
    url: (name: string) => gateway(name).url,
    http: (name: string, method: string, path: string, o?: HttpOptions) => http(gateway(name).url, method, path, o),
  };
}
