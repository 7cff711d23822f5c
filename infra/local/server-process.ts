import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname, join } from "node:path";
import { SpearError } from "../../domain/errors.js";
import { tailOfFile } from "./log-tail.js";
import { packageRoot } from "./paths.js";
import { startTimeOf, type ProcessExit, type ProcessId } from "./process-identity.js";
import { terminate } from "./terminate.js";

export interface ProcessSpec {
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  readonly logFile: string;
  /** Keep running after this process exits (for `spear dev --detach`). */
  readonly detached?: boolean;
  /**
   * Run in a process group of its own (a terminal's Ctrl-C reaches only the launcher, which
   * stops the server last) and never outlive this process: a guard process (server-guard.ts)
   * watches this one and stops the server when it is gone, even after a SIGKILL. Linux only.
   */
  readonly guarded?: boolean;
  /** Resolves when the server answers; polled until `readyTimeoutMs`. */
  readonly probe: () => Promise<boolean>;
  readonly readyTimeoutMs?: number;
}

/** The compiled guard program (dist/ is built before anything runs a launcher). */
const guardScript = () => join(packageRoot(), "dist", "infra", "local", "server-guard.js");

/**
 * A server process we started ourselves, known by its pid: we stop only what we started,
 * never by name. Output goes to a log file, so a failed start can say why.
 */
export class ServerProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private ended?: Promise<ProcessExit>;
  private guard?: ChildProcess;

  constructor(readonly spec: ProcessSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The guard's pid, when the server is guarded and the guard runs. */
  get guardPid(): number | undefined {
    return this.guard?.exitCode === null && this.guard.signalCode === null ? this.guard.pid : undefined;
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
        detached: (spec.detached ?? false) || (spec.guarded ?? false),
      });
    } finally {
      closeSync(fd);
    }
    const child = this.child;
    this.ended = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() })));
    this.exited = this.ended.then(() => undefined);
    child.once("error", () => undefined);
    if (spec.detached) child.unref();
    if (spec.guarded && child.pid !== undefined) this.startGuard(child.pid);
    await this.waitReady();
  }

  private startGuard(pid: number): void {
    const { spec } = this;
    const fd = openSync(spec.logFile, "a");
    try {
      const start = startTimeOf(pid);
      this.guard = spawn(process.execPath, [guardScript(), String(process.pid), String(pid), start === undefined ? "-" : String(start), spec.name], {
        stdio: ["pipe", "ignore", fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    const guard = this.guard;
    guard.once("error", () => undefined);
    guard.stdin?.on("error", () => undefined);
    // The guard is a helper, not a reason to keep this process alive; it ends with the server.
    guard.unref();
    (guard.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    void this.exited!.then(() => {
      if (guard.exitCode === null && guard.signalCode === null) guard.kill("SIGTERM");
    });
  }

  /**
   * When this process ends without stopping the server, the guard waits (a few seconds at most)
   * for these processes to exit before it stops the server: the services that use it.
   */
  guardWaitFor(ids: readonly ProcessId[]): void {
    const stdin = this.guard?.stdin;
    if (!stdin || stdin.destroyed) return;
    for (const id of ids) stdin.write(`wait ${id.pid} ${id.startTime ?? "-"}\n`);
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
    return tailOfFile(this.spec.logFile, 3).join(" | ") || "(no output)";
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

  /** Resolves with how the server ended (at once if it was never started). */
  whenExited(): Promise<ProcessExit> {
    return this.ended ?? Promise.resolve({ code: null, signal: null, at: Date.now() });
  }
}
