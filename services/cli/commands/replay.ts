import { Command, Option } from "commander";
import { SingleBar } from "cli-progress";
import { replay, type ReplayRecord } from "../../../streams/replay.js";
import { cliContext, withNats } from "../context.js";
import { printJson } from "../output.js";
import { parseList, parsePositiveInt, parseSince } from "../parse.js";

interface ReplayOptions {
  stream?: string;
  subject?: string;
  since?: Date;
  fromSeq?: number;
  toSeq?: number;
  type?: string[];
  node?: string;
  function?: string;
  invocation?: string;
  follow?: boolean;
  wide?: boolean;
}

export const replayCommand = () =>
  new Command("replay")
    .description("read any stream from a sequence or time, filtered, as readable lines or JSON lines")
    .option("--stream <name>", "stream to read (default: the one covering --subject, else SPEAR_EVENTS)")
    .option("--subject <subject>", "subject filter, wildcards allowed (spear.evt.node.>)")
    .option("--since <when>", "start at a time: a duration back from now (10m, 2h) or an ISO time", (v) => parseSince(v))
    .option("--from-seq <n>", "start at this stream sequence", parsePositiveInt)
    .option("--to-seq <n>", "stop after this stream sequence", parsePositiveInt)
    .option("--type <types>", "only these event types (comma-separated, repeatable)", parseList)
    .option("--node <id>", "only events about this node")
    .option("--function <name>", "only events about this function")
    .option("--invocation <id>", "one invocation's whole story across the invocation streams")
    .option("-f, --follow", "keep printing new events as they arrive")
    .addOption(new Option("--wide", "do not shorten event bodies in readable output"))
    .action(async (opts: ReplayOptions, cmd: Command) => {
      const ctx = cliContext(cmd);
      if (opts.follow && opts.toSeq) cmd.error("error: --follow and --to-seq contradict each other", { exitCode: 2 });
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once("SIGINT", onSignal);
      const bar = !opts.follow && process.stderr.isTTY && !ctx.json ? new SingleBar({ stream: process.stderr, clearOnComplete: true, format: "replaying [{bar}] {value}/{total}" }) : undefined;
      await withNats(ctx, "spear-replay", async (nats) => {
        const records = replay(nats, {
          ...opts,
          ...(opts.function ? { fn: opts.function } : {}),
          ...(opts.type ? { types: opts.type } : {}),
          signal: abort.signal,
          onPending: (n) => n > 1_000 && bar?.start(n, 0),
          onRead: () => bar?.increment(),
        });
        for await (const r of records) {
          if (ctx.json) printJson(r);
          else process.stdout.write(`${readable(r, opts.wide ?? false)}\n`);
        }
      });
      bar?.stop();
      process.off("SIGINT", onSignal);
    });

export function readable(r: ReplayRecord, wide: boolean): string {
  const body = JSON.stringify(r.data) ?? "";
  const shown = wide || body.length <= 160 ? body : `${body.slice(0, 159)}…`;
  const agg = r.aggregate ? `${r.aggregate.type}/${r.aggregate.id}` : r.subject;
  const err = r.error ? `  !! ${r.error.code}: ${r.error.message}` : "";
  return `${r.time}  ${r.stream}#${r.seq}  ${r.type ?? "?"}  ${agg}  ${shown}${err}`;
}
