import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import getPort from "get-port";
import { join } from "node:path";
import { requireBinary } from "./binaries.js";
import { infraFile } from "./paths.js";
import { ServerProcess } from "./server-process.js";

export interface NatsServerOptions {
  /** Holds the JetStream file store and the log. */
  readonly dataDir: string;
  readonly port?: number;
  readonly host?: string;
  /** A config file (default infra/nats/single.conf); command-line flags override its values. */
  readonly configFile?: string;
  readonly extraArgs?: readonly string[];
  readonly detached?: boolean;
  readonly name?: string;
}

/** A real nats-server with JetStream, on loopback, storing under `dataDir`. */
export class NatsServer {
  private proc?: ServerProcess;
  private chosenPort?: number;

  constructor(private readonly opts: NatsServerOptions) {}

  get host(): string {
    return this.opts.host ?? "127.0.0.1";
  }

  get port(): number {
    if (this.chosenPort === undefined) throw new Error("nats-server has not been started");
    return this.chosenPort;
  }

  get url(): string {
    return `nats://${this.host}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async start(): Promise<this> {
    this.chosenPort ??= this.opts.port ?? (await getPort({ host: this.host }));
    const storeDir = join(this.opts.dataDir, "jetstream");
    const args = [
      "-c",
      this.opts.configFile ?? infraFile("nats", "single.conf"),
      "-js",
      "-a",
      this.host,
      "-p",
      String(this.chosenPort),
      "-sd",
      storeDir,
      ...(this.opts.name ? ["-n", this.opts.name] : []),
      ...(this.opts.extraArgs ?? []),
    ];
    this.proc = new ServerProcess({
      name: "nats-server",
      binary: requireBinary("nats-server"),
      args,
      logFile: join(this.opts.dataDir, "nats-server.log"),
      detached: this.opts.detached ?? false,
      probe: () => natsReady(this.url),
    });
    await this.proc.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
  }

  /** kill -9, leaving the store as a crash would. */
  async kill(): Promise<void> {
    await this.proc?.kill();
  }

  /** Starts again on the same port and store. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

async function natsReady(url: string): Promise<boolean> {
  const nc = await connect({ servers: url, reconnect: false, timeout: 1_000 });
  try {
    await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo();
    return true;
  } finally {
    await nc.close();
  }
}
