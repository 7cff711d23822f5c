import { Command, Option } from "commander";
import type { JetStreamManager } from "@nats-io/jetstream";
import { streamNames } from "../../../streams/catalog.js";
import { lastMatchingSeq } from "../../../streams/reader.js";
import { merge, replay, resolveSources } from "../../../streams/replay.js";
import { cliContext, withNats } from "../context.js";
import { printJson } from "../output.js";
import { parseList } from "../parse.js";
import { readable } from "./replay.js";

interface TailOptions {
  stream?: string;
  subject?: string;
  type?: string[];
  node?: string;
  function?: string;
  invocation?: string;
  statusReports?: boolean;
  wide?: boolean;
}

/** The streams to follow: the one named or covering --subject, else all of Spear's (status reports only when asked). */
async function sourcesOf(jsm: JetStreamManager, o: TailOptions): Promise<{ stream: string; filter?: string }[]> {
  if (o.stream || o.subject) return resolveSources(jsm, { ...(o.stream ? { stream: o.stream } : {}), ...(o.subject ? { subject: o.subject } : {}) });
  return Object.values(streamNames)
    .filter((s) => o.statusReports || s !== streamNames.status)
    .map((stream) => ({ stream }));
}

export const tailCommand = () =>
  new Command("tail")
    .description("print the events of Spear's streams as they happen, from now on (Ctrl-C stops)")
    .option("--stream <name>", "only this stream")
    .option("--subject <subject>", "only this subject (wildcards allowed), in the stream covering it")
    .option("--type <types>", "only these event types (comma-separated, repeatable)", parseList)
    .option("--node <id>", "only events about this node")
    .option("--function <name>", "only events about this function")
    .option("--invocation <id>", "only events of this invocation")
    .option("--status-reports", `also the spearlets' status reports (${streamNames.status}, a heartbeat per node every few seconds)`)
    .addOption(new Option("--wide", "do not shorten event bodies in readable output"))
    .action(async (o: TailOptions, c: Command) => {
      const ctx = cliContext(c);
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await withNats(ctx, "spear-tail", async (nats) => {
          const sources = await sourcesOf(nats.jsm, o);
          // Each stream from just after its last message now: no clock involved, nothing missed.
          const starts = await Promise.all(sources.map((s) => lastMatchingSeq(nats.jsm, s.stream, s.filter)));
          const filters = {
            ...(o.type ? { types: o.type } : {}),
            ...(o.node ? { node: o.node } : {}),
            ...(o.function ? { fn: o.function } : {}),
            ...(o.invocation ? { invocation: o.invocation } : {}),
          };
          const feeds = sources.map((s, i) =>
            replay(nats, { ...filters, stream: s.stream, ...(s.filter ? { subject: s.filter } : {}), fromSeq: starts[i]!.seq + 1, follow: true, signal: abort.signal }),
          );
          process.stderr.write(`following ${sources.map((s) => (s.filter ? `${s.stream} (${s.filter})` : s.stream)).join(", ")} from now; Ctrl-C stops\n`);
          for await (const r of merge(feeds)) {
            if (ctx.json) printJson(r);
            else process.stdout.write(`${readable(r, o.wide ?? false)}\n`);
          }
        });
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
