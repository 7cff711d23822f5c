import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseNatsUrl } from "../../streams/nats-url.js";
import { authorizationBlock, type NatsIdentity } from "../nats/auth-config.js";
import { natsUrlAs } from "./credentials.js";
import { requireBinary } from "./binaries.js";
import { LocalServer, type LocalServerOptions } from "./local-server.js";
import { infraFile } from "./paths.js";
import type { ProcessSpec } from "./server-process.js";

export interface NatsServerOptions extends LocalServerOptions {
  /** A config file (default infra/nats/single.conf); command-line flags override its values. */
  readonly configFile?: string;
  readonly extraArgs?: readonly string[];
  readonly name?: string;
  /**
   * Authentication on: these identities and no others may connect, each with its role's
   * permissions. The first admin among them is the one the readiness probe uses.
   */
  readonly identities?: readonly NatsIdentity[];
}

/** A real nats-server with JetStream, on loopback, storing under `dataDir`. */
export class NatsServer extends LocalServer<NatsServerOptions> {
  protected readonly scheme = "nats";

  protected spec(port: number): ProcessSpec {
    const o = this.opts;
    const admin = o.identities?.find((i) => i.role === "admin");
    if (o.identities && !admin) throw new Error("a nats-server with authentication needs an admin identity");
    return {
      name: "nats-server",
      binary: requireBinary("nats-server"),
      args: [
        "-c",
        this.configFile(),
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
      probe: () => natsReady(admin ? natsUrlAs(`nats://${this.host}:${port}`, admin) : `nats://${this.host}:${port}`),
    };
  }

  /** The base configuration, with the authorization block appended when authentication is on. */
  private configFile(): string {
    const base = this.opts.configFile ?? infraFile("nats", "single.conf");
    if (!this.opts.identities) return base;
    mkdirSync(this.opts.dataDir, { recursive: true });
    const file = join(this.opts.dataDir, "nats-server.conf");
    writeFileSync(file, `${readFileSync(base, "utf8")}\n${authorizationBlock(this.opts.identities)}`, { mode: 0o600 });
    return file;
  }
}

/** Whether JetStream answers at `url` (which may carry a user and password). */
export async function natsReady(url: string): Promise<boolean> {
  const { servers, user, password } = parseNatsUrl(url);
  const nc = await connect({ servers, reconnect: false, timeout: 1_000, ...(user ? { user, pass: password } : {}) });
  try {
    await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo();
    return true;
  } finally {
    await nc.close();
  }
}
