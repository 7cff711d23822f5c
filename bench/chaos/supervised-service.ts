import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../infra/local/paths.js";
import { terminate } from "../../infra/local/terminate.js";

/** A child that ended without the harness killing or stopping it. */
export interface UnexpectedExit {
  readonly name: string;
  readonly pid: number;
  readonly code: number | null;
  readonly signal: string | null;
  readonly at: number;
  /** The last lines of its log, which usually say why. */
  readonly logTail: readonly string[];
}

export interface SupervisedSpec {
  readonly name: string;
  /** `spear` subcommand and flags. */
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly logDir: string;
}

interface Run {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<void>;
  /** Where this run's output begins in the log file (restarts append to the same file). */
  readonly logOffset: number;
  expected: boolean;
}

const fileSize = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

/**
 * One `spear <command>` child that the chaos harness may kill -9 and start again under the
 * same name and log file. Its output goes straight to the file (no pipe through this process,
 * so a killed child leaves nothing half-written here). Every exit the harness did not cause is
 * handed to `onUnexpectedExit`.
 */
export class SupervisedService {
  #run?: Run;

  constructor(
    readonly spec: SupervisedSpec,
    private readonly onUnexpectedExit: (e: UnexpectedExit) => void,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.#run?.pid;
  }

  get running(): boolean {
    const c = this.#run?.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  get logFile(): string {
    return join(this.spec.logDir, `${this.spec.name}.log`);
  }

  /** Starts the service; returns its pid. */
  start(): number {
    if (this.running) throw new Error(`${this.name} is running already (pid ${this.pid})`);
    mkdirSync(this.spec.logDir, { recursive: true });
    const logOffset = fileSize(this.logFile);
    const fd = openSync(this.logFile, "a");
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [join(packageRoot(), "bin", "spear.js"), ...this.spec.args], { env: this.spec.env, stdio: ["ignore", fd, fd] });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) throw new Error(`${this.name} could not be started`);
    child.once("error", () => undefined);
    const exited = new Promise<void>((resolve) =>
      child.once("exit", (code, signal) => {
        if (!run.expected) {
          this.onUnexpectedExit({ name: this.name, pid: run.pid, code, signal, at: Date.now(), logTail: tailLines(this.logFile, run.logOffset, 8) });
        }
        resolve();
      }),
    );
    const run: Run = { child, pid: child.pid, exited, logOffset, expected: false };
    this.#run = run;
    return run.pid;
  }

  /** kill -9 by pid, as a crash would; resolves with the pid once it has exited. */
  async kill(): Promise<number> {
    const run = this.#run;
    if (!run || !this.running) throw new Error(`${this.name} is not running`);
    run.expected = true;
    process.kill(run.pid, "SIGKILL");
    await run.exited;
    return run.pid;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    const run = this.#run;
    if (!run) return;
    run.expected = true;
    await terminate(run.child, run.exited, graceMs);
  }

  /** What this run has logged so far. */
  logSinceStart(): string {
    const run = this.#run;
    return run ? readFrom(this.logFile, run.logOffset) : "";
  }
}

function readFrom(file: string, offset: number): string {
  const size = fileSize(file);
  if (size <= offset) return "";
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    return buf.toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** The last `n` lines a run wrote, each shortened to its message and error when it is a JSON log line. */
function tailLines(file: string, offset: number, n: number): string[] {
  const lines = readFrom(file, offset).trim().split("\n").filter(Boolean).slice(-n);
  return lines.map((line) => {
    try {
      const j = JSON.parse(line) as { msg?: string; err?: { message?: string } };
      return [j.msg, j.err?.message].filter(Boolean).join(": ") || line.slice(0, 300);
    } catch {
      return line.slice(0, 300);
    }
  });
}
