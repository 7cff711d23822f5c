import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { setSha256Backend } from "@nats-io/obj";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import { SpearError } from "../domain/errors.js";
import { parseNatsUrl } from "./nats-url.js";

export interface NatsConnectOptions {
  readonly url: string;
  readonly name: string;
  readonly creds?: string | undefined;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly token?: string | undefined;
  readonly tls?: NatsTls | undefined;
  /** Services keep reconnecting forever; one-shot commands fail fast. */
  readonly longLived?: boolean;
  readonly timeoutMs?: number;
}

/** TLS files for the connection (PEM). */
export interface NatsTls {
  readonly caFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
}

export interface Nats {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

export async function connectNats(o: NatsConnectOptions): Promise<Nats> {
  // The object store checks every object it reads or writes with sha256, in pure JavaScript by
  // default: 10-30 ms per MiB, against under 1 ms with node:crypto (an artifact's cold fetch).
  setSha256Backend("native");
  const target = parseNatsUrl(o.url);
  const user = o.user ?? target.user;
  const password = o.user ? o.password : target.password;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: target.servers,
      name: o.name,
      timeout: o.timeoutMs ?? 5_000,
      ...(o.creds ? { authenticator: credsAuthenticator(readFileSync(o.creds)) } : {}),
      ...(user ? { user, pass: password } : {}),
      ...(o.token ? { token: o.token } : {}),
      ...(o.tls ? { tls: { ...(o.tls.caFile ? { caFile: o.tls.caFile } : {}), ...(o.tls.certFile ? { certFile: o.tls.certFile } : {}), ...(o.tls.keyFile ? { keyFile: o.tls.keyFile } : {}) } } : {}),
      ...(o.longLived
        ? // Services make a request per message; an Error captured for each one's stack costs more than the request.
          { maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: false, noAsyncTraces: true }
        : { maxReconnectAttempts: 0, reconnect: false }),
    });
  } catch (e) {
    const reason = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    throw new SpearError("nats_unreachable", `cannot reach NATS at ${target.display}: ${reason}`, { url: target.display }, { cause: e });
  }
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc, { timeout: o.timeoutMs ?? 5_000 });
  } catch (e) {
    await nc.close();
    throw new SpearError("nats_unreachable", `NATS at ${target.display} has no JetStream: ${e instanceof Error ? e.message : String(e)}`, {
      url: target.display,
    });
  }
  return { nc, js: jetstream(nc, { timeout: o.timeoutMs ?? 5_000 }), jsm };
}

/**
 * A long-lived service's connection: a server that is not up yet (or restarting) is waited
 * for, with one warning, rather than ending the process. Rejects with `cancelled` when
 * `signal` fires first (the service is being stopped).
 */
export async function connectWhenReachable(o: NatsConnectOptions & { readonly log: Logger; readonly signal?: AbortSignal }): Promise<Nats> {
  const url = parseNatsUrl(o.url).display;
  for (let wait = 250, warned = false; ; wait = Math.min(wait * 2, 2_000)) {
    if (o.signal?.aborted) throw new SpearError("cancelled", `stopped while waiting for NATS at ${url}`);
    try {
      const nats = await connectNats({ ...o, longLived: true });
      if (warned) o.log.info({ url }, "NATS is reachable");
      return nats;
    } catch (e) {
      if (!warned) o.log.warn({ url, reason: e instanceof Error ? e.message : String(e) }, "waiting for NATS");
      warned = true;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      o.signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}

/** Whether a long-lived connection is up now; one warning per outage, one line when it is back. */
export interface ConnectionWatch {
  readonly connected: boolean;
  stop(): void;
}

export function watchConnection(nc: NatsConnection, log: Logger, onBack?: () => void): ConnectionWatch {
  let connected = !nc.isClosed();
  let watching = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (!watching) break;
      if (s.type === "disconnect" && connected) {
        connected = false;
        log.warn({ server: s.server }, "lost the NATS connection; reconnecting");
      } else if (s.type === "reconnect" && !connected) {
        connected = true;
        log.info({ server: s.server }, "NATS connection back");
        onBack?.();
      }
    }
  })();
  return {
    get connected() {
      return connected && !nc.isClosed();
    },
    stop: () => {
      watching = false;
    },
  };
}
