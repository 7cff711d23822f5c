import { Command, InvalidArgumentError, Option } from "commander";
import { readFile } from "node:fs/promises";
import { text } from "node:stream/consumers";
import { SpearError } from "../../../domain/errors.js";
import { InvocationFailedError, SpearClient, type SubmitOptions } from "../../sdk/index.js";
import { Duration } from "../../config.js";
import { tracingFromEnv } from "../../telemetry/tracing-switch.js";
import { cliContext, withNats, type CliContext } from "../context.js";
import { printJson } from "../output.js";
import { parsePositiveInt } from "../parse.js";

interface InvokeFlags {
  data?: string;
  async?: boolean;
  session?: string;
  wait?: string;
  timeout?: string;
  version?: number;
  priority?: number;
  id?: string;
  traceparent?: string;
  tracestate?: string;
}

function parsePriority(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 9) throw new InvalidArgumentError(`'${value}' is not a priority from 0 to 9`);
  return n;
}

function parseJson(source: string, what: string): unknown {
  if (source.trim() === "") return null;
  try {
    return JSON.parse(source) as unknown;
  } catch (e) {
    const hint = what === "--data" ? ` (a string needs JSON quotes: --data '"text"')` : "";
    throw new SpearError("invalid_argument", `${what} is not JSON: ${e instanceof Error ? e.message : String(e)}${hint}`);
  }
}

function duration(flag: string, value: string): number {
  const ms = Duration.safeParse(value);
  if (!ms.success || ms.data < 1) throw new SpearError("invalid_argument", `${flag} '${value}' is not a duration above 0 (5000, 30s, 2m)`);
  return ms.data;
}

/** `--data JSON`, `--data @file`, `--data @-` or piped stdin; nothing at all is `null`. */
export async function readInput(data: string | undefined): Promise<unknown> {
  if (data === undefined) return process.stdin.isTTY ? null : parseJson(await text(process.stdin), "stdin");
  if (data === "@-") return parseJson(await text(process.stdin), "stdin");
  if (data.startsWith("@")) {
    const file = data.slice(1);
    const content = await readFile(file, "utf8").catch((e: unknown) => {
      throw new SpearError("invalid_argument", `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, { file });
    });
    return parseJson(content, file);
  }
  return parseJson(data, "--data");
}

const shown = (output: unknown) => (process.stdout.isTTY ? JSON.stringify(output, null, 2) : JSON.stringify(output)) ?? "null";

export const invokeCommand = () =>
  new Command("invoke")
    .argument("<function>", "function name")
    .description("invoke a function and print its output (or, with --async, its invocation id at once)")
    .option("--data <json>", "the input: JSON, @file, or @- for stdin (default: stdin when piped, else null)")
    .option("--async", "submit and print the invocation id without waiting (see `spear invocations get`)")
    .option("--session <id>", "the session the call belongs to")
    .option("--wait <duration>", "how long to wait for the result (60s, 5000); the invocation goes on after", "60s")
    .option("--timeout <duration>", "lower the function's per-call run limit for this call (30s, 5000)")
    .option("--version <n>", "the version to run (default: the active one)", parsePositiveInt)
    .option("--priority <n>", "0 (default) to 9: higher is placed first when capacity is short", parsePriority)
    .option("--id <id>", "the invocation id (the same id again is the same invocation)")
    .addOption(new Option("--traceparent <value>", "the W3C trace the call joins (00-<trace id>-<span id>-<flags>); a malformed one is ignored").env("TRACEPARENT"))
    .addOption(new Option("--tracestate <value>", "the W3C tracestate that goes with --traceparent").env("TRACESTATE"))
    .action(async (fn: string, o: InvokeFlags, c: Command) => {
      const ctx = cliContext(c);
      const input = await readInput(o.data);
      const waitMs = duration("--wait", o.wait ?? "60s");
      const request = {
        ...(o.id ? { invocationId: o.id } : {}),
        ...(o.session ? { sessionId: o.session } : {}),
        ...(o.version ? { version: o.version } : {}),
        ...(o.priority !== undefined ? { priority: o.priority } : {}),
        ...(o.timeout !== undefined ? { timeoutMs: duration("--timeout", o.timeout) } : {}),
        ...(o.traceparent ? { traceContext: { traceparent: o.traceparent, ...(o.tracestate ? { tracestate: o.tracestate } : {}) } } : {}),
      };
      // With an OTLP endpoint set, the SDK's `invoke` span is this command's (unless --traceparent names a trace already).
      const tracing = await tracingFromEnv("cli", ctx.log, { global: true });
      try {
        await invokeWith(ctx, fn, input, request, o.async === true, waitMs);
      } finally {
        await tracing?.shutdown();
      }
    });

/** Waits for the result and prints the output (or, async, prints the id once stored). */
async function invokeWith(ctx: CliContext, fn: string, input: unknown, request: SubmitOptions, async: boolean, waitMs: number): Promise<void> {
  await withNats(ctx, "spear-cli", async (nats) => {
    const spear = await SpearClient.fromConnection(nats.nc);
    if (async) {
      const invocationId = await spear.submit(fn, input, request);
      if (ctx.json) printJson({ invocationId });
      else process.stdout.write(`${invocationId}\n`);
      return;
    }
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once("SIGINT", onSignal);
    try {
      const result = await spear.invokeForResult(fn, input, { ...request, waitMs, signal: abort.signal });
      if (ctx.json) printJson(result);
      else if (result.status === "succeeded") process.stdout.write(`${shown(result.output)}\n`);
      if (result.status !== "succeeded") throw new InvocationFailedError(result);
    } finally {
      process.off("SIGINT", onSignal);
    }
  });
}
