import getPort from "get-port";
import type { ProcessExit, ProcessId } from "./process-identity.js";
import { ServerProcess, type ProcessSpec } from "./server-process.js";

export interface LocalServerOptions {
  /** Holds the server's data and its log. */
  readonly dataDir: string;
  readonly port?: number;
  readonly host?: string;
  /** Keep running after this process exits (for `spear dev --detach`). */
  readonly detached?: boolean;
  /**
   * Run in a process group of its own and never outlive this process, even one killed by
   * SIGKILL (a guard process stops the server then; see server-guard.ts). For `spear dev`.
   */
  readonly guarded?: boolean;
}

/**
 * A server binary we run ourselves on loopback: a free port unless one is given, kept across
 * restarts (so a restarted server has the same URL), stopped by its pid.
 */
export abstract class LocalServer<O extends LocalServerOptions = LocalServerOptions> {
  private proc?: ServerProcess;
  private chosenPort?: number;
  private guardWaits: ProcessId[] = [];

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
    const spec = this.spec(this.chosenPort);
    this.proc = new ServerProcess(this.opts.guarded ? { ...spec, guarded: true } : spec);
    await this.proc.start();
    this.proc.guardWaitFor(this.guardWaits);
    return this;
  }

  /** Resolves with how the running server ended (at once when none was started). */
  whenExited(): Promise<ProcessExit> {
    return this.proc?.whenExited() ?? Promise.resolve({ code: null, signal: null, at: Date.now() });
  }

  /** The guard's pid of a guarded server. */
  get guardPid(): number | undefined {
    return this.proc?.guardPid;
  }

  /**
   * Guarded servers: when this process dies without stopping the server, the guard first waits
   * (a few seconds at most) for these processes, the services that use the server, to exit.
   */
  guardWaitFor(ids: readonly ProcessId[]): void {
    this.guardWaits = [...this.guardWaits, ...ids].slice(-64);
    this.proc?.guardWaitFor(ids);
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
