import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { SpearError } from "../../domain/errors.js";
import { terminate } from "./terminate.js";

export interface ProcessSpec {
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  readonly logFile: string;
  /** Keep running after this process exits (for `spear dev --detach`). */
  readonly detached?: boolean;
  /** Resolves when the server answers; polled until `readyTimeoutMs`. */
  readonly probe: () => Promise<boolean>;
  readonly readyTimeoutMs?: number;
}

/**
 * A server process we started ourselves, known by its pid: we stop only what we started,
 * never by name. Output goes to a log file, so a failed start can say why.
 */
export class ServerProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;

  constructor(readonly spec: ProcessSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const { spec } = this;
    mkdirSync(dirname(spec.logFile), { recursive: true });
    const fd = openSync(spec.logFile, "a");
    try {
      this.child = spawn(spec.binary, [...spec.args], {
        stdio: ["ignore", fd, fd],
        detached: spec.detached ?? false,
      });
    } finally {
      closeSync(fd);
    }
    const child = this.child;
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.once("error", () => undefined);
    if (spec.detached) child.unref();
    await this.waitReady();
  }

  private async waitReady(): Promise<void> {
    const { spec } = this;
    const deadline = Date.now() + (spec.readyTimeoutMs ?? 15_000);
    let delay = 20;
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new SpearError("server_start_failed", `${spec.name} exited during start-up: ${this.tail()}`, { log: spec.logFile });
      }
      if (await spec.probe().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 250);
    }
    await this.kill();
    throw new SpearError("server_start_failed", `${spec.name} did not become ready in time: ${this.tail()}`, { log: spec.logFile });
  }

  private tail(): string {
    try {
      const lines = readFileSync(this.spec.logFile, "utf8").trim().split("\n");
      return lines.slice(-3).join(" | ") || "(no output)";
    } catch {
      return "(no log)";
    }
  }

  /** Asks the server to shut down cleanly; kills it if it has not exited within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.running) await terminate(this.child!, this.exited!, graceMs);
  }

  /** SIGKILL: the crash a fault-injection test wants. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill("SIGKILL");
    await this.exited;
  }
}
