import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, createWriteStream, mkdirSync, openSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { tailOfFile } from "./log-tail.js";
import { packageRoot } from "./paths.js";
import type { ProcessExit } from "./process-identity.js";
import { terminate } from "./terminate.js";

export interface ServiceSpec {
  /** Also the name of its log file. */
  readonly name: string;
  /** `spear` subcommand and flags. */
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly logDir: string;
  /** Outlive this process (`spear dev --detach`): output goes to the log file only. */
  readonly detached: boolean;
  /** Each output line, for a launcher that shows its services' logs. */
  readonly onLine?: (line: string) => void;
}

/** Output lines kept in memory for a crash report. */
const KEPT_LINES = 40;

/**
 * One Spear service (`spear sms`, `spear spearlet`, ...) as a child process of the launcher.
 * It runs in a process group of its own, so a Ctrl-C in the terminal reaches only the
 * launcher, which then stops each service once, in order (a spearlet drains on SIGTERM).
 */
export class ServiceProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  private closed?: Promise<ProcessExit>;
  private log?: WriteStream;
  private readonly recent: string[] = [];

  constructor(readonly spec: ServiceSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get logFile(): string {
    return join(this.spec.logDir, `${this.spec.name}.log`);
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    const { spec } = this;
    mkdirSync(spec.logDir, { recursive: true });
    const argv = [join(packageRoot(), "bin", "spear.js"), ...spec.args];
    if (spec.detached) {
      const fd = openSync(this.logFile, "a");
      try {
        this.child = spawn(process.execPath, argv, { env: spec.env, stdio: ["ignore", fd, fd], detached: true });
      } finally {
        closeSync(fd);
      }
      this.child.unref();
    } else {
      this.child = spawn(process.execPath, argv, { env: spec.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
      this.log = createWriteStream(this.logFile, { flags: "a" });
      for (const out of [this.child.stdout!, this.child.stderr!]) {
        createInterface({ input: out }).on("line", (line) => {
          this.log?.write(`${line}\n`);
          this.recent.push(line);
          if (this.recent.length > KEPT_LINES) this.recent.shift();
          spec.onLine?.(line);
        });
      }
    }
    const child = this.child;
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    // 'close' comes after 'exit' once its output is read to the end: the last lines are logged.
    this.closed = new Promise((resolve) =>
      child.once("close", (code, signal) => {
        this.closeLog();
        resolve({ code, signal, at: Date.now() });
      }),
    );
    child.once("error", () => undefined);
  }

  private closeLog(): void {
    this.log?.end();
    this.log = undefined;
  }

  /** SIGTERM once, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (this.running) await terminate(this.child!, this.exited!, graceMs);
    this.closeLog();
  }

  /** SIGKILL now (the launcher ending at once). */
  kill(): void {
    if (this.running) this.child!.kill("SIGKILL");
  }

  /** Resolves with the exit code when the process ends on its own. */
  whenExited(): Promise<number | null> {
    return this.exited ?? Promise.resolve(null);
  }

  /** Resolves with how it ended, once its output is read to the end. */
  whenEnded(): Promise<ProcessExit> {
    return this.closed ?? Promise.resolve({ code: null, signal: null, at: Date.now() });
  }

  /** Its last `n` output lines (from memory, or from the log file of a detached service). */
  tail(n: number): string[] {
    return this.spec.detached ? tailOfFile(this.logFile, n) : this.recent.slice(-n);
  }
}
