import { resolve } from "node:path";
import { readDevState, type DevState } from "../../services/config.js";
import { looksLike, looksLikeLauncher } from "./dev-stop.js";
import { checkWithin } from "./supervisor.js";
import { natsReady } from "./nats-server.js";
import { stillRunning } from "./process-identity.js";
import { redisReady } from "./redis-server.js";

export interface ProcessReport {
  readonly name: string;
  readonly kind: "server" | "service";
  readonly pid: number | null;
  /** Whether that process runs now. */
  readonly running: boolean;
  /** What the launcher last recorded: starting, running, restarting, crash-loop, exited, stopping, stopped. */
  readonly state: string;
  readonly restarts: number;
  /** `ready`, `not_ready`, `starting` (its /readyz), `no answer`, or `down` (not running). */
  readonly health: string;
  /** The readiness checks its /readyz reported (services). */
  readonly checks?: Readonly<Record<string, boolean>>;
  readonly monitorUrl?: string;
  readonly log?: string;
  readonly lastExit?: { readonly code: number | null; readonly signal: string | null; readonly at: string };
}

export interface DevReport {
  readonly dataDir: string;
  readonly natsUrl: string;
  readonly redisUrl: string;
  readonly gatewayUrl?: string;
  readonly startedAt: string;
  /** Still starting things. */
  readonly starting: boolean;
  /** The launcher: `supervising` (it runs and restarts what exits), `detached` (it returned; nothing is supervised), `gone`. */
  readonly launcher: { readonly pid: number | null; readonly mode: "supervising" | "detached" | "gone" };
  readonly processes: readonly ProcessReport[];
  /** Every process runs and is ready. */
  readonly healthy: boolean;
}


/** `spear dev status`: what dev.json records, checked against what runs and what each /readyz says. */
export async function devReport(dataDir: string): Promise<DevReport | undefined> {
  const state = readDevState(dataDir);
  if (!state) return undefined;
  const l = state.launcher;
  const launcherRuns = l ? stillRunning(l, looksLikeLauncher) : false;
  const entries = recordedProcesses(state);
  const processes = await Promise.all(entries.map((e) => report(e, state)));
  return {
    dataDir: resolve(dataDir),
    natsUrl: state.natsUrl,
    redisUrl: state.redisUrl,
    ...(state.gatewayUrl ? { gatewayUrl: state.gatewayUrl } : {}),
    startedAt: state.startedAt,
    starting: state.ready === false,
    launcher: { pid: l?.pid ?? null, mode: l?.detached ? "detached" : launcherRuns ? "supervising" : "gone" },
    processes,
    healthy: processes.every((p) => p.health === "ready"),
  };
}

type Entry = NonNullable<DevState["processes"]>[string] & { readonly name: string };

function recordedProcesses(state: DevState): Entry[] {
  if (state.processes) return Object.entries(state.processes).map(([name, p]) => ({ ...p, name }));
  // A dev.json older than `processes`.
  return Object.entries(state.pids).map(([name, pid]) => ({
    name,
    pid,
    kind: name === "nats-server" || name === "redis-server" ? "server" : "service",
    state: "running",
    restarts: 0,
    log: "",
  }));
}

async function report(e: Entry, state: DevState): Promise<ProcessReport> {
  const running = e.pid !== undefined && stillRunning({ pid: e.pid, ...(e.startTime !== undefined ? { startTime: e.startTime } : {}) }, looksLike(e.name));
  const base = {
    name: e.name,
    kind: e.kind,
    pid: e.pid ?? null,
    running,
    state: e.state,
    restarts: e.restarts,
    ...(e.monitorUrl ? { monitorUrl: e.monitorUrl } : {}),
    ...(e.log ? { log: e.log } : {}),
    ...(e.lastExit ? { lastExit: e.lastExit } : {}),
  };
  if (!running) return { ...base, health: "down" };
  if (e.monitorUrl) return { ...base, ...(await readiness(e.monitorUrl)) };
  const probe = e.name === "nats-server" ? () => natsReady(state.credentials?.admin.natsUrl ?? state.natsUrl) : e.name === "redis-server" ? () => redisReady(state.credentials?.redis.redisUrl ?? state.redisUrl) : undefined;
  if (!probe) return { ...base, health: "unknown" };
  return { ...base, health: (await checkWithin(probe, 2_000)) ? "ready" : "no answer" };
}

async function readiness(monitorUrl: string): Promise<{ health: string; checks?: Record<string, boolean> }> {
  try {
    const res = await fetch(`${monitorUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { status?: string; checks?: Record<string, boolean> };
    return { health: res.ok ? "ready" : (body.status ?? `HTTP ${res.status}`), ...(body.checks ? { checks: body.checks } : {}) };
  } catch {
    return { health: "no answer" };
  }
}
