import { Command } from "commander";
import { resolve } from "node:path";
import { SpearError } from "../../../domain/errors.js";
import { DevStack, type DevStatus } from "../../../infra/local/dev-stack.js";
import { devReport, type DevReport } from "../../../infra/local/dev-status.js";
import { stopDetached } from "../../../infra/local/dev-stop.js";
import { LauncherSignals } from "../../../infra/local/launcher-signals.js";
import { describeExit } from "../../../infra/local/process-identity.js";
import { TerminalOutput } from "../../../infra/local/terminal.js";
import { devStateFile } from "../../config.js";
import { cliContext } from "../context.js";
import { printJson, printTable } from "../output.js";
import { parsePositiveInt } from "../parse.js";

interface DevOptions {
  natsPort?: number;
  redisPort?: number;
  gatewayPort?: number;
  spearlets?: number;
  slots?: number;
  detach?: boolean;
}

const dataDirOf = (cmd: Command) => cmd.optsWithGlobals<{ dataDir?: string }>().dataDir ?? ".spear";

function summary(s: DevStatus): string {
  const services = Object.entries(s.pids)
    .map(([name, pid]) => `  ${name.padEnd(16)} pid ${pid}${s.logs[name] ? `  log ${s.logs[name]}` : ""}`)
    .join("\n");
  const metrics = Object.entries(s.processes ?? {})
    .flatMap(([name, p]) => (p.monitorUrl ? [`  ${name.padEnd(16)} ${p.monitorUrl}/metrics`] : []))
    .join("\n");
  const fns = s.deployed.map((d) => `  ${d.name.padEnd(10)} ${d.runtime.padEnd(10)} ${d.skipped ? `not deployed: ${d.skipped}` : `version ${d.version}`}`).join("\n");
  const sample = JSON.stringify(s.deployed[0]?.sample ?? { hello: "world" });
  const auth = s.credentials ? ` -H 'authorization: Bearer ${s.credentials.gateway.token}'` : "";
  return [
    "Spear is up.",
    `  NATS    ${s.natsUrl}${s.credentials ? `  (authentication on: each role's identity is in ${s.dataDir}/dev.json, "credentials")` : ""}`,
    `  Redis   ${s.redisUrl}`,
    `  HTTP    ${s.gatewayUrl}  (API docs: ${s.gatewayUrl}/docs)`,
    ...(s.credentials ? [`  token   ${s.credentials.gateway.token}  (the gateway's bearer token, every scope)`] : []),
    `  data    ${s.dataDir}`,
    "Processes:",
    services,
    "Metrics (Prometheus text format; /healthz and /readyz on the same ports):",
    metrics,
    "Functions:",
    fns,
    "Try, from another terminal in this folder:",
    `  npx spear invoke echo --data '${sample}'`,
    `  curl -s -X POST ${s.gatewayUrl}/v1/functions/echo:invoke${auth} -H 'content-type: application/json' -d '{"input":${sample}}'`,
    "  npx spear replay --subject 'spear.evt.>'",
    "  npx spear dev status",
    "",
  ].join("\n");
}

/** Exits once pending output is written, even if a handle is left open. */
function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1_000).unref();
}

async function runDev(opts: DevOptions, c: Command): Promise<void> {
  const ctx = cliContext(c, "spear-dev");
  const dataDir = dataDirOf(c);
  const term = new TerminalOutput();
  const log = term.logger("spear-dev", c.optsWithGlobals<{ logLevel?: string }>().logLevel ?? "info");
  const { detach, ...ports } = opts;
  const stack = new DevStack({ dataDir, streams: ctx.streams, log, detached: detach ?? false, ...ports, ...(detach ? {} : { onServiceLine: term.line }) });
  const signals = new LauncherSignals({
    stop: (reason) => {
      log.info({ reason }, `stopping everything in order (${reason}); Ctrl-C again to end at once`);
      void stack.stop();
    },
    now: (reason) => {
      log.warn({ reason }, "ending everything at once (SIGKILL)");
      stack.kill();
      process.exit(130);
    },
  });
  let status: DevStatus;
  try {
    status = await stack.start();
  } catch (e) {
    if (signals.requested) {
      await stack.stop();
      log.info("stopped before everything had started");
      return finish(0);
    }
    finish(1);
    throw e;
  }
  if (ctx.json) term.stdout(`${JSON.stringify(status)}\n`);
  else term.stdout(summary(status) + (detach ? "Stop it with: npx spear dev stop\n" : "Ctrl-C stops everything.\n"));
  if (detach) {
    signals.dispose();
    return;
  }
  await signals.stopped;
  await stack.stop();
  log.info("everything stopped");
  finish(0);
}

function printReport(r: DevReport): void {
  const launcher =
    r.launcher.mode === "supervising"
      ? `launcher pid ${r.launcher.pid}: supervising (restarts what exits)`
      : r.launcher.mode === "detached"
        ? "detached: nothing restarts what exits (spear dev stop stops it)"
        : `launcher pid ${r.launcher.pid ?? "?"} is gone: nothing supervises these processes`;
  process.stdout.write(`Spear from ${r.dataDir}, started ${r.startedAt}${r.starting ? " (still starting)" : ""}; ${launcher}\n`);
  process.stdout.write(`  NATS ${r.natsUrl}   Redis ${r.redisUrl}${r.gatewayUrl ? `   HTTP ${r.gatewayUrl}` : ""}\n`);
  printTable(
    ["process", "pid", "state", "restarts", "health", "last exit"],
    r.processes.map((p) => {
      const failing = p.checks ? Object.entries(p.checks).filter(([, ok]) => !ok).map(([name]) => name) : [];
      const health = failing.length && p.health !== "ready" ? `${p.health} (${failing.join(", ")})` : p.health;
      const lastExit = p.lastExit ? `${describeExit(p.lastExit)} at ${new Date(p.lastExit.at).toTimeString().slice(0, 8)}` : undefined;
      return [p.name, p.running ? p.pid : undefined, p.state, p.restarts, health, lastExit];
    }),
  );
}

export const devCommand = () => {
  const cmd = new Command("dev")
    .description("run all of Spear on this machine: nats-server, redis-server, control plane, projections, scheduler, spearlets, gateway, examples")
    .option("--detach", "return once everything is ready, leaving it running unsupervised (stop it with 'spear dev stop')")
    .option("--spearlets <n>", "execution nodes to start (default 2)", parsePositiveInt)
    .option("--slots <n>", "slots of each spearlet (default 4)", parsePositiveInt)
    .option("--nats-port <port>", "NATS port (default 4222 when free, else any free port)", parsePositiveInt)
    .option("--redis-port <port>", "Redis port (default 6379 when free, else any free port)", parsePositiveInt)
    .option("--gateway-port <port>", "HTTP port (default 8080 when free, else any free port)", parsePositiveInt)
    .action(runDev);
  cmd
    .command("status")
    .description("each process 'spear dev' runs: pid, state, restarts, health (its /readyz); exits 1 unless all are ready")
    .action(async (_o, c: Command) => {
      const dataDir = dataDirOf(c);
      const report = await devReport(dataDir);
      if (!report) throw new SpearError("invalid_argument", `no ${devStateFile(dataDir)}: nothing 'spear dev' started runs from ${resolve(dataDir)}`);
      if (c.optsWithGlobals<{ json?: boolean }>().json) printJson(report);
      else printReport(report);
      if (!report.healthy) process.exit(1);
    });
  cmd
    .command("stop")
    .description("stop what 'spear dev' started from this data folder: asks a running launcher to stop, else stops the processes by the pids in <data-dir>/dev.json")
    .action(async (_o, c: Command) => {
      const stopped = await stopDetached(dataDirOf(c));
      process.stdout.write(stopped.length ? `stopped ${stopped.join(", ")}\n` : "nothing was running\n");
    });
  return cmd;
};
