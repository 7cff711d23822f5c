import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { readFileSync } from "node:fs";
import { SpearError } from "../domain/errors.js";

export interface NatsConnectOptions {
  readonly url: string;
  readonly name: string;
  readonly creds?: string | undefined;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly token?: string | undefined;
  /** Services keep reconnecting forever; one-shot commands fail fast. */
  readonly longLived?: boolean;
  readonly timeoutMs?: number;
}

export interface Nats {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

export async function connectNats(o: NatsConnectOptions): Promise<Nats> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: o.url.split(",").map((s) => s.trim()),
      name: o.name,
      timeout: o.timeoutMs ?? 5_000,
      ...(o.creds ? { authenticator: credsAuthenticator(readFileSync(o.creds)) } : {}),
      ...(o.user ? { user: o.user, pass: o.password } : {}),
      ...(o.token ? { token: o.token } : {}),
      ...(o.longLived
        ? // Services make a request per message; an Error captured for each one's stack costs more than the request.
          { maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: false, noAsyncTraces: true }
        : { maxReconnectAttempts: 0, reconnect: false }),
    });
  } catch (e) {
    const reason = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    throw new SpearError("nats_unreachable", `cannot reach NATS at ${o.url}: ${reason}`, { url: o.url }, { cause: e });
  }
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc, { timeout: o.timeoutMs ?? 5_000 });
  } catch (e) {
    await nc.close();
    throw new SpearError("nats_unreachable", `NATS at ${o.url} has no JetStream: ${e instanceof Error ? e.message : String(e)}`, {
      url: o.url,
    });
  }
  return { nc, js: jetstream(nc, { timeout: o.timeoutMs ?? 5_000 }), jsm };
}
