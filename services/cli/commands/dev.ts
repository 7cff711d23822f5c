import { Command } from "commander";
import pretty from "pino-pretty";
import { DevStack, type DevStatus } from "../../../infra/local/dev-stack.js";
import { stopDetached } from "../../../infra/local/dev-stop.js";
import { cliContext } from "../context.js";
import { printJson } from "../output.js";
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

/** Services' JSON log lines: readable in a terminal, passed through as JSON otherwise. */
function serviceLines(): (line: string) => void {
  if (!process.stderr.isTTY) return (line) => process.stderr.write(`${line}\n`);
  const out = pretty({ destination: 2, colorize: true, sync: true, ignore: "pid,hostname" });
  return (line) => (line.startsWith("{") ? out.write(`${line}\n`) : process.stderr.write(`${line}\n`));
}

function summary(s: DevStatus): string {
  const services = Object.entries(s.pids)
    .map(([name, pid]) => `  ${name.padEnd(16)} pid ${pid}${s.logs[name] ? `  log ${s.logs[name]}` : ""}`)
    .join("\n");
  const fns = s.deployed.map((d) => `  ${d.name.padEnd(10)} ${d.runtime.padEnd(10)} ${d.skipped ? `not deployed: ${d.skipped}` : `version ${d.version}`}`).join("\n");
  const sample = JSON.stringify(s.deployed[0]?.sample ?? { hello: "world" });
  return [
    "Spear is up.",
    `  NATS    ${s.natsUrl}`,
    `  Redis   ${s.redisUrl}`,
    `  HTTP    ${s.gatewayUrl}  (API docs: ${s.gatewayUrl}/docs)`,
    `  data    ${s.dataDir}`,
    "Processes:",
    services,
    "Functions:",
    fns,
    "Try, from another terminal in this folder:",
    `  npx spear invoke echo --data '${sample}'`,
    `  curl -s -X POST ${s.gatewayUrl}/v1/functions/echo:invoke -H 'content-type: application/json' -d '{"input":${sample}}'`,
    "  npx spear replay --subject 'spear.evt.>'",
    "",
  ].join("\n");
}

export const devCommand = () => {
  const cmd = new Command("dev")
    .description("run all of Spear on this machine: nats-server, redis-server, control plane, projections, scheduler, spearlets, gateway, examples")
    .option("--detach", "return once everything is ready, leaving it running (stop it with 'spear dev stop')")
    .option("--spearlets <n>", "execution nodes to start (default 2)", parsePositiveInt)
    .option("--slots <n>", "slots of each spearlet (default 4)", parsePositiveInt)
    .option("--nats-port <port>", "NATS port (default 4222 when free, else any free port)", parsePositiveInt)
    .option("--redis-port <port>", "Redis port (default 6379 when free, else any free port)", parsePositiveInt)
    .option("--gateway-port <port>", "HTTP port (default 8080 when free, else any free port)", parsePositiveInt)
    .action(async (opts: DevOptions, c: Command) => {
      const ctx = cliContext(c, "spear-dev");
      const dataDir = dataDirOf(c);
      const log = ctx.log.child({}, { level: "info" });
      const { detach, ...ports } = opts;
      const stack = new DevStack({ dataDir, streams: ctx.streams, log, detached: detach ?? false, ...ports, ...(detach ? {} : { onServiceLine: serviceLines() }) });
      const status = await stack.start();
      if (ctx.json) printJson(status);
      else process.stdout.write(summary(status) + (detach ? "Stop it with: npx spear dev stop\n" : "Ctrl-C stops everything.\n"));
      if (detach) return;
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      log.info("stopping everything");
      await stack.stop();
    });
  cmd
    .command("stop")
    .description("stop what 'spear dev --detach' started (by the pids in <data-dir>/dev.json)")
    .action(async (_o, c: Command) => {
      const stopped = await stopDetached(dataDirOf(c));
      process.stdout.write(stopped.length ? `stopped ${stopped.join(", ")}\n` : "nothing was running\n");
    });
  return cmd;
};
