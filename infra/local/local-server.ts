import getPort from "get-port";
import { ServerProcess, type ProcessSpec } from "./server-process.js";

export interface LocalServerOptions {
  /** Holds the server's data and its log. */
  readonly dataDir: string;
  readonly port?: number;
  readonly host?: string;
  /** Keep running after this process exits (for `spear dev --detach`). */
  readonly detached?: boolean;
}

/**
 * A server binary we run ourselves on loopback: a free port unless one is given, kept across
 * restarts (so a restarted server has the same URL), stopped by its pid.
 */
export abstract class LocalServer<O extends LocalServerOptions = LocalServerOptions> {
  private proc?: ServerProcess;
  private chosenPort?: number;

  constructor(protected readonly opts: O) {}

  protected abstract readonly scheme: string;
  protected abstract spec(port: number): ProcessSpec;

  get host(): string {
    return this.opts.host ?? "127.0.0.1";
  }

  get port(): number {
    if (this.chosenPort === undefined) throw new Error(`${this.scheme} server has not been started`);
    return this.chosenPort;
  }

  get url(): string {
    return `${this.scheme}://${this.host}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async start(): Promise<this> {
    this.chosenPort ??= this.opts.port ?? (await getPort({ host: this.host }));
    this.proc = new ServerProcess(this.spec(this.chosenPort));
    await this.proc.start();
    return this;
  }

  /** Asks the server to stop cleanly (SIGTERM), killing it after a grace period. */
  async stop(): Promise<void> {
    await this.proc?.stop();
  }

  /** kill -9, leaving its data as a crash would. */
  async kill(): Promise<void> {
    await this.proc?.kill();
  }

  /** Starts again on the same port and data. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}
