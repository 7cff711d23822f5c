import type { Command } from "commander";
import type { Logger } from "pino";
import { ConnectionConfig, parseConfig, readDevState, StreamSettingsConfig, toStreamSettings } from "../config.js";
import { createLogger, type LogLevel } from "../logger.js";
import { connectNats, type Nats, type NatsTls } from "../../streams/connection.js";
import type { StreamSettings } from "../../streams/catalog.js";

/** What a subcommand gets: validated settings and lazily opened connections. */
export interface CliContext {
  readonly connection: ConnectionConfig;
  readonly streams: StreamSettings;
  readonly log: Logger;
  readonly json: boolean;
}

interface GlobalOptions {
  nats?: string;
  natsCreds?: string;
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  natsTlsCa?: string;
  natsTlsCert?: string;
  natsTlsKey?: string;
  redis?: string;
  replicas?: string;
  logLevel?: LogLevel;
  json?: boolean;
  dataDir?: string;
}

/**
 * Settings come from flags, then SPEAR_* environment variables (commander reads both), then
 * the URLs a running `spear dev` wrote to .spear/dev.json, then the defaults.
 */
export function cliContext(cmd: Command, name = "spear-cli"): CliContext {
  const o = cmd.optsWithGlobals<GlobalOptions>();
  const dev = readDevState(o.dataDir);
  const connection = parseConfig(
    ConnectionConfig,
    {
      // The CLI is the developer's own: on a `spear dev`, it acts as the admin.
      natsUrl: o.nats ?? dev?.credentials?.admin.natsUrl ?? dev?.natsUrl ?? "nats://127.0.0.1:4222",
      natsCreds: o.natsCreds,
      natsUser: o.natsUser,
      natsPassword: o.natsPassword,
      natsToken: o.natsToken,
      natsTlsCa: o.natsTlsCa,
      natsTlsCert: o.natsTlsCert,
      natsTlsKey: o.natsTlsKey,
      redisUrl: o.redis ?? dev?.credentials?.redis.redisUrl ?? dev?.redisUrl ?? "redis://127.0.0.1:6379",
    },
    "connection settings",
  );
  const streams = toStreamSettings(
    parseConfig(
      StreamSettingsConfig,
      {
        replicas: o.replicas,
        invokeMaxAge: process.env.SPEAR_INVOKE_MAX_AGE,
        assignMaxAge: process.env.SPEAR_ASSIGN_MAX_AGE,
        resultTtl: process.env.SPEAR_RESULT_TTL,
        statusMaxAge: process.env.SPEAR_STATUS_MAX_AGE,
        dedupeWindow: process.env.SPEAR_DEDUPE_WINDOW,
      },
      "stream settings",
    ),
  );
  return { connection, streams, log: createLogger({ level: o.logLevel ?? "warn", name }), json: o.json ?? false };
}

export async function withNats<T>(ctx: CliContext, name: string, fn: (nats: Nats) => Promise<T>, longLived = false): Promise<T> {
  const c = ctx.connection;
  const nats = await connectNats({
    url: c.natsUrl,
    name,
    creds: c.natsCreds,
    user: c.natsUser,
    password: c.natsPassword,
    token: c.natsToken,
    tls: tlsOf(c),
    longLived,
  });
  try {
    return await fn(nats);
  } finally {
    await nats.nc.drain().catch(() => nats.nc.close());
  }
}

/** The TLS files of a connection, when any is set. */
export const tlsOf = (c: ConnectionConfig): NatsTls | undefined =>
  c.natsTlsCa || c.natsTlsCert || c.natsTlsKey ? { caFile: c.natsTlsCa, certFile: c.natsTlsCert, keyFile: c.natsTlsKey } : undefined;
