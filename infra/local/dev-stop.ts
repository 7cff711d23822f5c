import { rmSync } from "node:fs";
import type { Logger } from "pino";
import { SpearError } from "../../domain/errors.js";
import { devStateFile, readDevState, type DevState } from "../../services/config.js";
import { removePrometheusTargets } from "./prometheus-targets.js";
import { endProcess, isRunning, stillRunning, type ProcessId } from "./process-identity.js";

export { isRunning };

const isPart = (prefix: string) => (name: string) => name === prefix || name.startsWith(`${prefix}-`);

/**
 * The order `spear dev` stops in: the gateway and the schedulers first (no new calls come in,
 * none is placed), then the spearlets together (they drain, and need the control plane and the
 * read models to mark themselves drained), then the control plane and the projection workers,
 * then redis-server and nats-server last, which every other part uses until it has stopped.
 */
export function stopWaves(names: readonly string[]): string[][] {
  const waves = [
    names.filter((n) => isPart("gateway")(n) || isPart("scheduler")(n)),
    names.filter(isPart("spearlet")),
    names.filter((n) => isPart("sms")(n) || isPart("projections")(n)),
    names.filter((n) => n === "redis-server"),
    names.filter((n) => n === "nats-server"),
  ];
  const placed = new Set(waves.flat());
  // Anything else (a part this list does not know) goes with the first wave.
  waves[0] = [...names.filter((n) => !placed.has(n)), ...waves[0]!];
  return waves.filter((w) => w.length > 0);
}

/** When no start time was recorded (an older dev.json): whether a command line is the program `name` was. */
export const looksLike = (name: string) => (cmd: string) => (name === "nats-server" || name === "redis-server" ? cmd.includes(name) : cmd.includes("spear.js"));
export const looksLikeLauncher = (cmd: string) => cmd.includes("spear.js") && / dev( |$)/.test(cmd);

interface Recorded {
  readonly name: string;
  readonly id: ProcessId;
}

/** The processes a dev.json names. */
function recorded(state: DevState): Recorded[] {
  const names = [...new Set([...Object.keys(state.processes ?? {}), ...Object.keys(state.pids ?? {})])];
  const out: Recorded[] = [];
  for (const name of names) {
    const p = state.processes?.[name];
    const pid = p ? p.pid : state.pids[name];
    if (pid === undefined) continue;
    out.push({ name, id: p?.startTime !== undefined ? { pid, startTime: p.startTime } : { pid } });
  }
  return out;
}

/** The recorded processes that still run: the very processes, not others given their pids since. */
export function survivors(state: DevState): Recorded[] {
  return recorded(state).filter((r) => stillRunning(r.id, looksLike(r.name)));
}

/** Whether the launcher that wrote `state` still runs and supervises what it started. */
export function supervisingLauncher(state: DevState): ProcessId | undefined {
  const l = state.launcher;
  if (!l || l.detached || l.pid === process.pid) return undefined;
  return stillRunning(l, looksLikeLauncher) ? l : undefined;
}

/** Stops the recorded processes that still run, in stop order (see stopWaves); returns their names. */
export async function stopRecorded(state: DevState, graceMs = 15_000): Promise<string[]> {
  const alive = survivors(state);
  const stopped: string[] = [];
  for (const wave of stopWaves(alive.map((r) => r.name))) {
    await Promise.all(
      alive
        .filter((r) => wave.includes(r.name))
        .map(async (r) => {
          if (await endProcess(r.id, graceMs, looksLike(r.name))) stopped.push(r.name);
        }),
    );
  }
  return stopped;
}

/**
 * `spear dev stop`: when the launcher still runs in the foreground, asks it to stop (SIGTERM,
 * the same orderly stop as Ctrl-C) and waits for it; otherwise (`spear dev --detach`, or a
 * launcher that is gone) stops the recorded processes by pid, in stop order.
 */
export async function stopDetached(dataDir: string): Promise<string[]> {
  const state = readDevState(dataDir);
  if (!state) throw new SpearError("invalid_argument", `no ${devStateFile(dataDir)}: is a 'spear dev' running with this --data-dir?`);
  const launcher = supervisingLauncher(state);
  if (launcher) {
    const names = survivors(state).map((r) => r.name);
    if (!(await endProcess(launcher, 90_000, looksLikeLauncher))) return [];
    // What the launcher could not stop (it was killed at the end of the grace period).
    const left = await stopRecorded(state);
    rmSync(devStateFile(dataDir), { force: true });
    removePrometheusTargets(dataDir);
    return [...new Set([`launcher (pid ${launcher.pid})`, ...names, ...left])];
  }
  const stopped = await stopRecorded(state);
  rmSync(devStateFile(dataDir), { force: true });
  removePrometheusTargets(dataDir);
  return stopped;
}

/**
 * Before `spear dev` starts on `dataDir`: refuses when a launcher still runs there (or a detached
 * one's processes do), and otherwise stops what a launcher that died left running, by the pids it
 * recorded and only after checking each is still that process.
 */
export async function clearLeftovers(dataDir: string, log: Logger): Promise<void> {
  const state = readDevState(dataDir);
  if (!state) return;
  const launcher = supervisingLauncher(state);
  if (launcher) {
    throw new SpearError(
      "server_start_failed",
      `Spear already runs from ${dataDir} (launcher pid ${launcher.pid}): stop it first (Ctrl-C in its terminal, or 'npx spear dev stop --data-dir ${dataDir}')`,
      { pid: launcher.pid },
    );
  }
  const alive = survivors(state);
  if (alive.length > 0 && (!state.launcher || state.launcher.detached)) {
    throw new SpearError(
      "server_start_failed",
      `a detached 'spear dev' still runs from ${dataDir} (${alive.map((r) => `${r.name} pid ${r.id.pid}`).join(", ")}): stop it with 'npx spear dev stop --data-dir ${dataDir}' first`,
    );
  }
  if (alive.length > 0) {
    log.warn(
      { launcher: state.launcher?.pid, processes: Object.fromEntries(alive.map((r) => [r.name, r.id.pid])) },
      `the launcher that ran ${dataDir} (pid ${state.launcher?.pid}) is gone and left ${alive.map((r) => r.name).join(", ")} running: stopping them first`,
    );
    const stopped = await stopRecorded(state);
    log.info({ stopped }, `stopped what the previous launcher left: ${stopped.join(", ") || "nothing"}`);
  }
  rmSync(devStateFile(dataDir), { force: true });
}
