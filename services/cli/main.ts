import { Command, CommanderError, Option } from "commander";
import { isErrorCode, SpearError } from "../../domain/errors.js";

/**
 * The subcommands, each loaded only when asked for: a service restarted by its supervisor
 * starts in a fraction of the time it takes to load every command's dependencies.
 */
const commands: Record<string, () => Promise<Command>> = {
  dev: async () => (await import("./commands/dev.js")).devCommand(),
  streams: async () => (await import("./commands/streams.js")).streamsCommand(),
  auth: async () => (await import("./commands/auth.js")).authCommand(),
  replay: async () => (await import("./commands/replay.js")).replayCommand(),
  projections: async () => (await import("./commands/projections.js")).projectionsCommand(),
  sms: async () => (await import("./commands/sms.js")).smsCommand(),
  gateway: async () => (await import("./commands/gateway.js")).gatewayCommand(),
  scheduler: async () => (await import("./commands/scheduler.js")).schedulerCommand(),
  nodes: async () => (await import("./commands/nodes.js")).nodesCommand(),
  functions: async () => (await import("./commands/functions.js")).functionsCommand(),
  pools: async () => (await import("./commands/pools.js")).poolsCommand(),
  sessions: async () => (await import("./commands/sessions.js")).sessionsCommand(),
  spearlet: async () => (await import("./commands/spearlet.js")).spearletCommand(),
  invoke: async () => (await import("./commands/invoke.js")).invokeCommand(),
  invocations: async () => (await import("./commands/invocations.js")).invocationsCommand(),
  tail: async () => (await import("./commands/tail.js")).tailCommand(),
  dlq: async () => (await import("./commands/dlq.js")).dlqCommand(),
};

/** Global options that take a value: the word after them is not the subcommand. */
const valued = new Set(["--nats", "--nats-creds", "--nats-user", "--nats-password", "--nats-token", "--nats-tls-ca", "--nats-tls-cert", "--nats-tls-key", "--redis", "--replicas", "--data-dir", "--log-level"]);

/** The subcommand named on the command line, if any (after the global options). */
export function subcommandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-")) return arg;
    if (valued.has(arg)) i++;
  }
  return undefined;
}

export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command("spear")
    .description("Spear: an event-sourced serverless function platform on NATS JetStream")
    .addOption(new Option("--nats <url>", "NATS server URL(s), comma-separated").env("SPEAR_NATS_URL"))
    .addOption(new Option("--nats-creds <file>", "NATS credentials file").env("SPEAR_NATS_CREDS"))
    .addOption(new Option("--nats-user <user>", "NATS user").env("SPEAR_NATS_USER"))
    .addOption(new Option("--nats-password <password>", "NATS password").env("SPEAR_NATS_PASSWORD"))
    .addOption(new Option("--nats-token <token>", "NATS token").env("SPEAR_NATS_TOKEN"))
    .addOption(new Option("--nats-tls-ca <file>", "CA certificate (PEM) that signed the NATS server's certificate").env("SPEAR_NATS_TLS_CA"))
    .addOption(new Option("--nats-tls-cert <file>", "client certificate (PEM) for a NATS server that verifies clients").env("SPEAR_NATS_TLS_CERT"))
    .addOption(new Option("--nats-tls-key <file>", "the client certificate's key (PEM)").env("SPEAR_NATS_TLS_KEY"))
    .addOption(new Option("--redis <url>", "Redis URL").env("SPEAR_REDIS_URL"))
    .addOption(new Option("--replicas <n>", "stream and bucket replicas (3 on a 3-node cluster)").env("SPEAR_REPLICAS"))
    .addOption(new Option("--data-dir <dir>", "where `spear dev` keeps its data and dev.json").env("SPEAR_DATA_DIR").default(".spear"))
    .addOption(
      new Option("--log-level <level>", "log level").choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).env("SPEAR_LOG_LEVEL"),
    )
    .option("--json", "machine-readable output (one JSON object per line)")
    .exitOverride();
  const named = subcommandOf(argv);
  const wanted = named !== undefined && Object.hasOwn(commands, named) ? [named] : Object.keys(commands);
  for (const name of wanted) program.addCommand(await commands[name]!());
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
    await (await buildProgram(argv)).parseAsync([...argv], { from: "user" });
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
