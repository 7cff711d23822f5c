import { Command } from "commander";
import { DevStack } from "../../../infra/local/dev-stack.js";
import { cliContext } from "../context.js";
import { printJson } from "../output.js";
import { parsePositiveInt } from "../parse.js";

interface DevOptions {
  natsPort?: number;
  redisPort?: number;
}

export const devCommand = () =>
  new Command("dev")
    .description("run Spear on this machine: its own nats-server and redis-server, data under --data-dir")
    .option("--nats-port <port>", "NATS port (default 4222 when free, else any free port)", parsePositiveInt)
    .option("--redis-port <port>", "Redis port (default 6379 when free, else any free port)", parsePositiveInt)
    .action(async (opts: DevOptions, cmd: Command) => {
      const ctx = cliContext(cmd, "spear-dev");
      const dataDir = cmd.optsWithGlobals<{ dataDir?: string }>().dataDir ?? ".spear";
      const log = ctx.log.child({}, { level: "info" });
      const stack = new DevStack({ dataDir, streams: ctx.streams, log, ...opts });
      const stopping = new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      try {
        const state = await stack.start();
        if (ctx.json) printJson(state);
        else {
          process.stdout.write(
            [
              "Spear is up.",
              `  NATS   ${state.natsUrl}  (JetStream store in ${dataDir}/nats)`,
              `  Redis  ${state.redisUrl}`,
              `  streams: ${stack.streamsEnsured.map((s) => `${s.name} ${s.action}`).join(", ")}`,
              "Try, from another terminal:",
              "  npx spear streams ls",
              "  npx spear replay --subject 'spear.evt.>' --follow",
              "Ctrl-C stops everything.",
              "",
            ].join("\n"),
          );
        }
        await stopping;
      } finally {
        await stack.stop();
      }
    });
