import { Command, CommanderError, Option } from "commander";
import { isErrorCode, SpearError } from "../../domain/errors.js";
import { devCommand } from "./commands/dev.js";
import { functionsCommand } from "./commands/functions.js";
import { invocationsCommand } from "./commands/invocations.js";
import { invokeCommand } from "./commands/invoke.js";
import { gatewayCommand } from "./commands/gateway.js";
import { nodesCommand } from "./commands/nodes.js";
import { poolsCommand } from "./commands/pools.js";
import { projectionsCommand } from "./commands/projections.js";
import { replayCommand } from "./commands/replay.js";
import { schedulerCommand } from "./commands/scheduler.js";
import { sessionsCommand } from "./commands/sessions.js";
import { smsCommand } from "./commands/sms.js";
import { spearletCommand } from "./commands/spearlet.js";
import { streamsCommand } from "./commands/streams.js";
import { tailCommand } from "./commands/tail.js";

export function buildProgram(): Command {
  const program = new Command("spear")
    .description("Spear: an event-sourced serverless function platform on NATS JetStream")
    .addOption(new Option("--nats <url>", "NATS server URL(s), comma-separated").env("SPEAR_NATS_URL"))
    .addOption(new Option("--nats-creds <file>", "NATS credentials file").env("SPEAR_NATS_CREDS"))
    .addOption(new Option("--nats-user <user>", "NATS user").env("SPEAR_NATS_USER"))
    .addOption(new Option("--nats-password <password>", "NATS password").env("SPEAR_NATS_PASSWORD"))
    .addOption(new Option("--nats-token <token>", "NATS token").env("SPEAR_NATS_TOKEN"))
    .addOption(new Option("--redis <url>", "Redis URL").env("SPEAR_REDIS_URL"))
    .addOption(new Option("--replicas <n>", "stream and bucket replicas (3 on a 3-node cluster)").env("SPEAR_REPLICAS"))
    .addOption(new Option("--data-dir <dir>", "where `spear dev` keeps its data and dev.json").env("SPEAR_DATA_DIR").default(".spear"))
    .addOption(
      new Option("--log-level <level>", "log level").choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).env("SPEAR_LOG_LEVEL"),
    )
    .option("--json", "machine-readable output (one JSON object per line)")
    .exitOverride();
  program.addCommand(devCommand());
  program.addCommand(streamsCommand());
  program.addCommand(replayCommand());
  program.addCommand(projectionsCommand());
  program.addCommand(smsCommand());
  program.addCommand(gatewayCommand());
  program.addCommand(schedulerCommand());
  program.addCommand(nodesCommand());
  program.addCommand(functionsCommand());
  program.addCommand(poolsCommand());
  program.addCommand(sessionsCommand());
  program.addCommand(spearletCommand());
  program.addCommand(invokeCommand());
  program.addCommand(invocationsCommand());
  program.addCommand(tailCommand());
  return program;
}

/** One line naming the problem and a non-zero exit; a stack trace only with SPEAR_DEBUG=1. */
export async function main(argv: readonly string[]): Promise<number> {
  // The reader of the output went away (`spear replay | head`): stop quietly, as Unix tools do.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  try {
    await buildProgram().parseAsync([...argv], { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    const err = asSpearError(e);
    process.stderr.write(`error: ${err.message} [${err.code}]\n`);
    if (process.env.SPEAR_DEBUG) process.stderr.write(`${(e as Error).stack ?? ""}\n`);
    return 1;
  }
}

function asSpearError(e: unknown): SpearError {
  if (e instanceof SpearError) return e;
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof code === "string" && isErrorCode(code)) return new SpearError(code, message);
  if (/timeout/i.test(message)) return new SpearError("timeout", message);
  return new SpearError("internal", message);
}
