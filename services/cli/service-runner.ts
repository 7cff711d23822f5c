import { Command, Option } from "commander";
import type { Logger } from "pino";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isSpearError } from "../../domain/errors.js";
import { packageRoot } from "../../infra/local/paths.js";
import type { MetricService } from "../metrics/catalog.js";
import { metric, readFrom, serveMetricsOf } from "../metrics/registry.js";
import { parseConfig, SnapshotsSwitch } from "../config.js";
import { connectWhenReachable, watchConnection, type Nats } from "../../streams/connection.js";
import { awaitStreams } from "../../streams/require.js";
import { throughOutages } from "../../streams/through-outages.js";
import { tracingFromEnv } from "../telemetry/tracing-switch.js";
import type { Tracing } from "../telemetry/tracing.js";
import type { MonitorServer, ReadinessCheck } from "./monitor-server.js";
import { cliContext, tlsOf, type CliContext } from "./context.js";
import { installLastResort } from "./last-resort.js";
import { StopRequest } from "./stop-request.js";

/** What a started service hands back to the runner. */
export interface RunningService {
  /** The graceful stop (drain, hand back, close). */
  stop(): Promise<void>;
  /** Readiness conditions besides the NATS connection, served on `/readyz`. */
  readonly checks?: Readonly<Record<string, ReadinessCheck>>;
}

export interface ServiceStartContext {
  readonly cli: CliContext;
  readonly log: Logger;
  /** Aborts when a stop is asked for while the service is still starting. */
  readonly signal: AbortSignal;
  /** Start read models from their snapshots (`--snapshots`). */
  readonly snapshots: boolean;
  /** Spans exported over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; undefined otherwise. */
  readonly tracing: Tracing | undefined;
}

/** How long a stopped service may take to close what is left before it exits anyway. */
const EXIT_GRACE_MS = 2_000;

interface MonitorFlags {
  monitorPort?: string;
  monitorHost?: string;
  snapshots?: string;
}

/** A long-running command: the monitor flags every service takes. */
export function serviceCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .addOption(new Option("--monitor-port <port>", "serve /healthz, /readyz and /metrics (Prometheus) over HTTP on this port (0: any free port; default: not served)").env("SPEAR_MONITOR_PORT"))
    .addOption(new Option("--monitor-host <host>", "address of the monitor port (default 127.0.0.1)").env("SPEAR_MONITOR_HOST"))
    .addOption(new Option("--snapshots <on|off>", "start read models from their snapshots; off folds the streams from sequence 1 (default on)").env("SPEAR_SNAPSHOTS"));
}

function monitorPort(flags: MonitorFlags): number | undefined {
  if (flags.monitorPort === undefined) return undefined;
  const port = Number(flags.monitorPort);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--monitor-port must be a port number, got '${flags.monitorPort}'`);
  return port;
}

/**
 * Runs a long-running service the same way for every command: the stop request (signals, a
 * vanished supervisor) is armed first; the monitor port answers from the start; NATS is waited
 * for rather than fatal; the service starts, runs until asked to stop, then stops gracefully.
 * A stop asked for while NATS is still awaited ends the process cleanly.
 */
export async function runService(cmd: Command, name: MetricService, start: (nats: Nats, ctx: ServiceStartContext) => Promise<RunningService>): Promise<void> {
  const cli = cliContext(cmd, `spear-${name}`);
  const explicitLevel = cmd.optsWithGlobals<{ logLevel?: string }>().logLevel;
  const log = explicitLevel ? cli.log : cli.log.child({}, { level: "info" });
  installLastResort(log);
  const stop = new StopRequest(log);
  const flags = cmd.opts<MonitorFlags>();
  const port = monitorPort(flags);
  const snapshots = parseConfig(SnapshotsSwitch, flags.snapshots, "--snapshots");
  const tracing = await tracingFromEnv(name, log);
  serveMetricsOf(name, spearVersion());
  let monitor: MonitorServer | undefined;
  if (port !== undefined) {
    const { startMonitor } = await import("./monitor-server.js");
    monitor = await startMonitor({ service: name, host: flags.monitorHost ?? "127.0.0.1", port, log });
  }
  try {
    const c = cli.connection;
    let nats: Nats;
    try {
      nats = await connectWhenReachable({
        url: c.natsUrl,
        name: `spear-${name}`,
        creds: c.natsCreds,
        user: c.natsUser,
        password: c.natsPassword,
        token: c.natsToken,
        tls: tlsOf(c),
        log,
        signal: stop.signal,
      });
    } catch (e) {
      if (isSpearError(e, "cancelled")) return;
      throw e;
    }
    const connection = watchConnection(nats.nc, log, () => metric("spear_nats_reconnects_total").inc());
    const unwatched = readFrom("spear_nats_connected", () => (connection.connected ? 1 : 0));
    try {
      let service: RunningService;
      try {
        await throughOutages("check the streams", () => awaitStreams(nats.jsm, { log, signal: stop.signal }), { log, signal: stop.signal });
        service = await start(nats, { cli, log, signal: stop.signal, snapshots, tracing });
      } catch (e) {
        if (isSpearError(e, "cancelled")) return;
        throw e;
      }
      monitor?.setChecks({ nats: () => connection.connected, ...service.checks });
      const reason = await stop.stopped;
      log.info({ reason }, "stopping");
      await service.stop();
    } finally {
      unwatched();
      connection.stop();
      await nats.nc.drain().catch(() => nats.nc.close());
    }
  } finally {
    await monitor?.close();
    // The last spans (the stop's) are sent before the process goes.
    await tracing?.shutdown().catch((e: unknown) => log.warn({ err: e }, "could not send the last spans"));
    // A client left open by a start that failed half-way (a Redis client reconnecting, say)
    // must not keep a stopped service alive: its supervisor is waiting for it to exit.
    setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  }
}

/** Spear's version, as `spear_build_info` shows it. */
const spearVersion = (): string => (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
