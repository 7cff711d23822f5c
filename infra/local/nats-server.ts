import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { join } from "node:path";
import { requireBinary } from "./binaries.js";
import { LocalServer, type LocalServerOptions } from "./local-server.js";
import { infraFile } from "./paths.js";
import type { ProcessSpec } from "./server-process.js";

export interface NatsServerOptions extends LocalServerOptions {
  /** A config file (default infra/nats/single.conf); command-line flags override its values. */
  readonly configFile?: string;
  readonly extraArgs?: readonly string[];
  readonly name?: string;
}

/** A real nats-server with JetStream, on loopback, storing under `dataDir`. */
export class NatsServer extends LocalServer<NatsServerOptions> {
  protected readonly scheme = "nats";

  protected spec(port: number): ProcessSpec {
    const o = this.opts;
    return {
      name: "nats-server",
      binary: requireBinary("nats-server"),
      args: [
        "-c",
        o.configFile ?? infraFile("nats", "single.conf"),
        "-js",
        "-a",
        this.host,
        "-p",
        String(port),
        "-sd",
        join(o.dataDir, "jetstream"),
        ...(o.name ? ["-n", o.name] : []),
        ...(o.extraArgs ?? []),
      ],
      logFile: join(o.dataDir, "nats-server.log"),
      detached: o.detached ?? false,
      probe: () => natsReady(`nats://${this.host}:${port}`),
    };
  }
}

export async function natsReady(url: string): Promise<boolean> {
  const nc = await connect({ servers: url, reconnect: false, timeout: 1_000 });
  try {
    await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo();
    return true;
  } finally {
    await nc.close();
  }
}
