import { Command } from "commander";
import type { DeadLetterSummary, Redriven } from "../../../domain/api/dlq.js";
import { SpearError } from "../../../domain/errors.js";
import { SpearClient, type InvocationFinished } from "../../sdk/index.js";
import { cliContext, withNats } from "../context.js";
import { printJson, printTable } from "../output.js";
import { parsePositiveInt } from "../parse.js";
import { ago } from "./sms-client.js";

const head = ["seq", "when", "source", "key", "code", "invocation", "sent back as"];
const row = (d: DeadLetterSummary) => [d.seq, ago(d.time), d.source, d.key, d.code, d.invocationId, d.redrive?.redriveId];

interface Filters {
  source?: string;
  code?: string;
  function?: string;
  limit?: number;
}

/** `spear dlq`: read the dead-letter stream and send dead-lettered invocations back. */
export const dlqCommand = () => {
  const cmd = new Command("dlq").description("dead letters (SPEAR_DLQ): list, show, and send dead-lettered invocations back");
  cmd
    .command("ls")
    .description("dead letters, newest first")
    .option("--source <source>", "only this source's (invocation, projection, assign, events)")
    .option("--code <code>", "only dead letters with this code (attempts_exhausted, ...)")
    .option("--function <name>", "only invocations of this function")
    .option("--limit <n>", "at most this many (default 20)", parsePositiveInt)
    .option("--cursor <cursor>", "older ones: the cursor a page before printed")
    .action(async (o: Filters & { cursor?: string }, c: Command) => {
      const ctx = cliContext(c);
      const page = await withNats(ctx, "spear-cli", async (nats) =>
        (await SpearClient.fromConnection(nats.nc)).deadLetters({
          ...(o.source ? { source: o.source } : {}),
          ...(o.code ? { code: o.code } : {}),
          ...(o.function ? { function: o.function } : {}),
          ...(o.cursor ? { cursor: o.cursor } : {}),
          limit: o.limit ?? 20,
        }),
      );
      if (ctx.json) page.items.forEach(printJson);
      else printTable(head, page.items.map(row));
      if (page.nextCursor) process.stderr.write(`note: older dead letters may exist: --cursor ${page.nextCursor}\n`);
    });
  cmd
    .command("show")
    .argument("<seq>", "the dead letter's sequence in SPEAR_DLQ", parsePositiveInt)
    .description("one dead letter: why, where from, its headers and the original body")
    .action(async (seq: number, _o, c: Command) => {
      const ctx = cliContext(c);
      const d = await withNats(ctx, "spear-cli", async (nats) => (await SpearClient.fromConnection(nats.nc)).deadLetter(seq));
      if (ctx.json) {
        printJson(d);
        return;
      }
      printTable(["field", "value"], [
        ["seq", d.seq],
        ["when", `${d.time} (${ago(d.time)})`],
        ["subject", d.subject],
        ["code", d.code],
        ["reason", d.reason],
        ["from", d.from ? `${d.from.stream}#${d.from.seq} ${d.from.subject}` : null],
        ["invocation", d.invocationId ?? null],
        ["sent back as", d.redrive ? `${d.redrive.redriveId} (${ago(d.redrive.redrivenAt)})` : null],
        ...Object.entries(d.headers).map(([k, v]) => [`header ${k}`, v]),
      ]);
      process.stdout.write(`${JSON.stringify(d.data)}\n`);
    });
  cmd
    .command("redrive")
    .argument("[seq]", "the dead letter to send back; without it, the newest not sent back yet (by --code, --function)", parsePositiveInt)
    .description("send dead-lettered invocations back, each as a new invocation (once per invocation, however often asked)")
    .option("--code <code>", "only dead letters with this code")
    .option("--function <name>", "only invocations of this function")
    .option("--limit <n>", "at most this many invocations (1-100, default 10)", parsePositiveInt)
    .option("--wait <ms>", "wait up to this long for each new invocation's result, and print it", parsePositiveInt)
    .action(async (seq: number | undefined, o: Filters & { wait?: number }, c: Command) => {
      const ctx = cliContext(c);
      if (seq !== undefined && (o.code || o.function || o.limit)) throw new SpearError("invalid_argument", "give a dead letter's seq, or --code / --function / --limit, not both");
      await withNats(ctx, "spear-cli", async (nats) => {
        const client = await SpearClient.fromConnection(nats.nc);
        const answer = await client.redrive(
          seq !== undefined ? { seq } : { ...(o.code ? { code: o.code } : {}), ...(o.function ? { function: o.function } : {}), limit: o.limit ?? 10 },
        );
        for (const item of answer.items) {
          const result = o.wait ? await client.result(item.redriveId, { waitMs: o.wait }) : undefined;
          report(ctx.json, item, o.wait ? (result ?? null) : undefined);
        }
        for (const s of answer.skipped) process.stderr.write(`skipped dead letter ${s.seq}: ${s.message} [${s.code}]\n`);
        if (!ctx.json && answer.items.length === 0 && answer.skipped.length === 0) process.stdout.write("nothing to send back\n");
      });
    });
  return cmd;
};

/** One line per invocation sent back; with --wait, its result's status (or that none came in time). */
function report(json: boolean, item: Redriven, result: InvocationFinished | null | undefined): void {
  if (json) {
    printJson(result === undefined ? item : { ...item, result });
    return;
  }
  const what = item.redriven ? "sent back" : "was sent back before";
  const outcome = result === undefined ? "" : result ? `: ${result.status}${result.error ? ` [${result.error.code}]` : ""}` : ": no result yet";
  process.stdout.write(`${item.invocationId} (dead letter ${item.seq}) ${what} as ${item.redriveId}${outcome}\n`);
}
