import type { Logger } from "pino";
import { SpearError } from "../../domain/errors.js";
import { shortLine } from "./log-tail.js";
import { describeExit, identify, type ProcessExit, type ProcessId } from "./process-identity.js";

/**
 * Where a supervised process stands:
 * - `starting`: spawned, not ready yet;
 * - `running`: ready (its health can still change: see `spear dev status`);
 * - `restarting`: it exited on its own and starts again after a delay;
 * - `crash-loop`: it kept exiting soon after each start and is left stopped;
 * - `exited`: it exited on its own and is not restarted (no restarts asked for);
 * - `stopping`, `stopped`: the supervisor stops it.
 */
export type UnitState = "starting" | "running" | "restarting" | "crash-loop" | "exited" | "stopping" | "stopped";

/** One run of a unit's process. */
export interface UnitRun {
  readonly pid: number | undefined;
  /** Resolves once the process has ended (and its output is read to the end). */
  readonly ended: Promise<ProcessExit>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL now. */
  kill(): void;
  /** Its last output lines. */
  tail(n: number): string[];
}

/** A process the supervisor keeps running. */
export interface UnitSpec {
  readonly name: string;
  readonly kind: "server" | "service";
  readonly logFile: string;
  /** Its /healthz and /readyz (services). */
  readonly monitorUrl?: string;
  /** Starts one run. It may wait for readiness itself (servers do), and throws when the start fails. */
  spawn(): Promise<UnitRun>;
  /** Whether the running process can do its work. */
  ready(): Promise<boolean>;
  /** How long a stop waits before SIGKILL. */
  readonly stopGraceMs: number;
}

export interface UnitStatus {
  readonly name: string;
  readonly kind: "server" | "service";
  readonly pid?: number;
  readonly startTime?: number;
  readonly state: UnitState;
  readonly restarts: number;
  readonly logFile: string;
  readonly monitorUrl?: string;
  readonly lastExit?: { readonly code: number | null; readonly signal: string | null; readonly at: string };
}

export interface RestartPolicy {
  /** Delay before the first restart; doubled for each further exit in a row, up to `maxDelayMs`. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** A run shorter than this counts towards a crash loop; a longer one resets the count. */
  readonly stableAfterMs: number;
  /** This many short runs in a row is a crash loop: reported, and left stopped. */
  readonly crashLoopRuns: number;
}

export const defaultRestartPolicy: RestartPolicy = { firstDelayMs: 500, maxDelayMs: 8_000, stableAfterMs: 60_000, crashLoopRuns: 5 };

export interface SupervisorOptions {
  readonly log: Logger;
  /** Start again a process that exits on its own (false: report it and leave it). */
  readonly restart: boolean;
  readonly policy?: Partial<RestartPolicy>;
  /** How long a start or a restart waits for readiness. */
  readonly readyTimeoutMs: number;
  /** After every change of a process's state or pid. */
  readonly onChange?: () => void;
}

class Unit {
  run?: UnitRun;
  id?: ProcessId;
  state: UnitState = "starting";
  restarts = 0;
  /** Short runs in a row. */
  shortRuns = 0;
  startedAt = 0;
  /** Restarts only once it has been ready once (a failed first start fails the launch). */
  supervised = false;
  lastExit?: ProcessExit;
  timer?: NodeJS.Timeout;
  /** A restart under way. */
  pending?: Promise<void>;

  constructor(readonly spec: UnitSpec) {}
}

/**
 * Runs processes and keeps them running: each is started in turn and waited for until ready;
 * one that later exits on its own is reported (with the end of its log) and started again after
 * a delay that doubles while it keeps failing; a crash loop is reported and left stopped. Stops
 * them in the waves it is given, each wave once the one before has exited.
 */
export class Supervisor {
  private readonly units: Unit[] = [];
  private stopping = false;
  private readonly policy: RestartPolicy;

  constructor(private readonly opts: SupervisorOptions) {
    this.policy = { ...defaultRestartPolicy, ...opts.policy };
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Starts a process and waits until it is ready; one that exits first, or is not ready in time, fails the start. */
  async start(spec: UnitSpec): Promise<void> {
    if (this.stopping) throw new SpearError("cancelled", "stopping: not starting " + spec.name);
    const unit = new Unit(spec);
    this.units.push(unit);
    // A stop that comes while this spawns waits for it, then stops it with the rest.
    const spawned = spec.spawn().then((r) => {
      this.attach(unit, r);
      return r;
    });
    unit.pending = spawned.then(
      () => undefined,
      () => undefined,
    );
    const run = await spawned;
    unit.pending = undefined;
    const outcome = await this.awaitReady(unit, run);
    if (outcome === "ready") {
      unit.state = "running";
      unit.supervised = true;
      this.opts.log.info({ service: spec.name, pid: run.pid }, `${spec.name} ready`);
      this.changed();
      return;
    }
    if (outcome === "stopping") throw new SpearError("cancelled", `stopping: ${spec.name} was still starting`);
    const lines = run.tail(5).map(shortLine);
    const how = outcome === "exited" ? (unit.lastExit ? describeExit(unit.lastExit) : "exited") + " during start-up" : `was not ready within ${this.opts.readyTimeoutMs} ms`;
    throw new SpearError("server_start_failed", `${spec.name} ${how}; see ${spec.logFile}${lines.length ? `. Its last lines:\n  ${lines.join("\n  ")}` : ""}`, {
      log: spec.logFile,
    });
  }

  /** Each process as it is now, in start order. */
  status(): UnitStatus[] {
    return this.units.map((u) => {
      const running = u.run !== undefined && (u.state === "starting" || u.state === "running" || u.state === "stopping");
      return {
        name: u.spec.name,
        kind: u.spec.kind,
        ...(running && u.id ? { pid: u.id.pid, ...(u.id.startTime !== undefined ? { startTime: u.id.startTime } : {}) } : {}),
        state: u.state,
        restarts: u.restarts,
        logFile: u.spec.logFile,
        ...(u.spec.monitorUrl ? { monitorUrl: u.spec.monitorUrl } : {}),
        ...(u.lastExit ? { lastExit: { code: u.lastExit.code, signal: u.lastExit.signal, at: new Date(u.lastExit.at).toISOString() } } : {}),
      };
    });
  }

  /** The process ids of the running services (what a guarded server should outlive). */
  serviceIds(): ProcessId[] {
    return this.units.filter((u) => u.spec.kind === "service" && u.id && u.run).map((u) => u.id!);
  }

  /**
   * Stops everything: no more restarts; `waves` in turn (names not listed go first), each wave's
   * processes together, the next once they have exited.
   */
  async stop(waves: readonly (readonly string[])[]): Promise<void> {
    this.stopping = true;
    for (const u of this.units) clearTimeout(u.timer);
    const listed = new Set(waves.flat());
    const unlisted = this.units.filter((u) => !listed.has(u.spec.name)).map((u) => u.spec.name);
    for (const wave of [unlisted, ...waves]) {
      const units = this.units.filter((u) => wave.includes(u.spec.name));
      await Promise.all(units.map((u) => u.pending));
      const live = units.filter((u) => u.run && (u.state === "starting" || u.state === "running" || u.state === "stopping"));
      if (live.length === 0) continue;
      this.opts.log.info(`stopping ${live.map((u) => u.spec.name).join(", ")}`);
      for (const u of live) u.state = "stopping";
      this.changed();
      await Promise.all(
        live.map(async (u) => {
          // One part that fails to stop must not leave the next waves (the servers) running.
          await u.run!.stop(u.spec.stopGraceMs).catch((e: unknown) => {
            this.opts.log.warn({ err: e, process: u.spec.name }, "could not stop it cleanly; killing it");
            u.run!.kill();
          });
          u.state = "stopped";
        }),
      );
      this.changed();
    }
  }

  /** SIGKILL to every process at once (a second Ctrl-C). */
  kill(): void {
    this.stopping = true;
    for (const u of this.units) {
      clearTimeout(u.timer);
      u.run?.kill();
    }
  }

  private attach(unit: Unit, run: UnitRun): void {
    unit.run = run;
    unit.id = run.pid !== undefined ? identify(run.pid) : undefined;
    unit.startedAt = Date.now();
    unit.state = "starting";
    this.changed();
    void run.ended.then((exit) => this.ended(unit, run, exit));
  }

  private async awaitReady(unit: Unit, run: UnitRun): Promise<"ready" | "exited" | "stopping" | "timeout"> {
    let exited = false;
    void run.ended.then(() => (exited = true));
    const deadline = Date.now() + this.opts.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (this.stopping) return "stopping";
      if (exited) return "exited";
      if (await checkWithin(() => unit.spec.ready(), 2_000)) return "ready";
      await new Promise((r) => setTimeout(r, 200));
    }
    return "timeout";
  }

  private ended(unit: Unit, run: UnitRun, exit: ProcessExit): void {
    if (unit.run !== run) return;
    unit.lastExit = exit;
    if (this.stopping || unit.state === "stopping") {
      unit.state = "stopped";
      this.changed();
      return;
    }
    if (!unit.supervised) {
      // A first start that fails: start() reports it.
      unit.state = "exited";
      this.changed();
      return;
    }
    this.failed(unit, exit, run.pid, run.tail(8).map(shortLine));
  }

  /** A run that ended on its own, or a restart that could not start: restart it, or report the crash loop. */
  private failed(unit: Unit, exit: ProcessExit, pid: number | undefined, lines: readonly string[]): void {
    const { log } = this.opts;
    const { name, logFile } = unit.spec;
    unit.shortRuns = exit.at - unit.startedAt < this.policy.stableAfterMs ? unit.shortRuns + 1 : 1;
    const what = `${name}${pid !== undefined ? ` (pid ${pid})` : ""} ${describeExit(exit)}`;
    const tail = lines.length ? `\nIts last lines (${logFile}):\n  ${lines.join("\n  ")}` : ` (log: ${logFile})`;
    const fields = { service: name, pid, code: exit.code, signal: exit.signal, restarts: unit.restarts, log: logFile, lastLines: lines };
    if (!this.opts.restart) {
      unit.state = "exited";
      log.warn(fields, `${what}; it is not restarted${tail}`);
    } else if (unit.shortRuns >= this.policy.crashLoopRuns) {
      unit.state = "crash-loop";
      const within = Math.round(this.policy.stableAfterMs / 1000);
      log.error(fields, `${what}: ${unit.shortRuns} times in a row within ${within} s of starting, a crash loop; it is left stopped${tail}`);
    } else {
      const delay = Math.min(this.policy.firstDelayMs * 2 ** (unit.shortRuns - 1), this.policy.maxDelayMs);
      unit.state = "restarting";
      log.warn({ ...fields, delayMs: delay }, `${what}; restarting it in ${delay < 1000 ? `${delay} ms` : `${delay / 1000} s`}${tail}`);
      unit.timer = setTimeout(() => {
        unit.timer = undefined;
        unit.pending = this.restart(unit).finally(() => (unit.pending = undefined));
      }, delay);
    }
    this.changed();
  }

  private async restart(unit: Unit): Promise<void> {
    if (this.stopping) return;
    unit.restarts += 1;
    unit.startedAt = Date.now();
    unit.state = "starting";
    unit.run = undefined;
    unit.id = undefined;
    this.changed();
    let run: UnitRun;
    try {
      run = await unit.spec.spawn();
    } catch (e) {
      if (this.stopping) return;
      const message = e instanceof Error ? e.message : String(e);
      this.failed(unit, { code: null, signal: null, at: Date.now() }, undefined, [shortLine(message)]);
      return;
    }
    this.attach(unit, run);
    if (this.stopping) return;
    const outcome = await this.awaitReady(unit, run);
    if (outcome === "ready") {
      unit.state = "running";
      this.opts.log.info({ service: unit.spec.name, pid: run.pid, restarts: unit.restarts }, `${unit.spec.name} is back (pid ${run.pid}, restart ${unit.restarts})`);
      this.changed();
    } else if (outcome === "timeout") {
      this.opts.log.warn({ service: unit.spec.name, pid: run.pid }, `${unit.spec.name} was restarted but is not ready after ${this.opts.readyTimeoutMs} ms (spear dev status shows its checks)`);
    }
    // "exited": ended() has handled it; "stopping": stop() handles it.
  }

  private changed(): void {
    try {
      this.opts.onChange?.();
    } catch (e) {
      this.opts.log.warn({ err: e }, "could not record the processes' state");
    }
  }
}

/** A readiness check that neither throws nor hangs: a check that does not answer in time is a no. */
export async function checkWithin(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([check().catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}
