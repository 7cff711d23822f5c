import { Command, Option } from "commander";
import { InvocationStatus, type InvocationFinished } from "../../../domain/events/invocation.js";
import { SpearClient } from "../../sdk/index.js";
import { cliContext, withNats } from "../context.js";
import { printJson, printTable } from "../output.js";
import { parsePositiveInt } from "../parse.js";
import { ago } from "./sms-client.js";

const row = (r: InvocationFinished) => [
  r.invocationId,
  r.function,
  r.version,
  r.status,
  r.error?.code,
  r.nodeId,
  r.attempts,
  r.timings.totalMs,
  ago(r.timings.finishedAt),
];
const head = ["invocation", "function", "version", "status", "code", "node", "attempts", "total ms", "finished"];

const json = (v: unknown) => JSON.stringify(v) ?? "null";

function showResult(r: InvocationFinished): void {
  const t = r.timings;
  printTable(["field", "value"], [
    ["invocation", r.invocationId],
    ["function", r.version ? `${r.function}@${r.version}` : r.function],
    ["status", r.status],
    ["error", r.error ? `${r.error.message} [${r.error.code}]` : null],
    ["node", r.nodeId],
    ["attempts", r.attempts],
    ["submitted", t.submittedAt],
    ["finished", `${t.finishedAt} (${ago(t.finishedAt)})`],
    ["queue / run / total", `${t.queueMs ?? "-"} / ${t.runMs ?? "-"} / ${t.totalMs} ms`],
  ]);
  if (r.status === "succeeded") process.stdout.write(`${json(r.output)}\n`);
}

export const invocationsCommand = () => {
  const cmd = new Command("invocations").description("invocations' final results (kept for the result TTL, 24 h by default)");
  cmd
    .command("get")
    .argument("<id>", "invocation id")
    .description("the recorded result of an invocation, or a note that it has none yet")
    .action(async (id: string, _o, c: Command) => {
      const ctx = cliContext(c);
      const result = await withNats(ctx, "spear-cli", async (nats) => (await SpearClient.fromConnection(nats.nc)).result(id));
      if (result) {
        if (ctx.json) printJson(result);
        else showResult(result);
        return;
      }
      if (ctx.json) printJson({ invocationId: id, found: false });
      else
        process.stdout.write(
          `no result for ${id} yet: it is still running (or waiting for capacity), or the id is unknown (never submitted, or finished longer ago than the result TTL)\n`,
        );
    });
  cmd
    .command("ls")
    .description("the most recent results, newest first")
    .option("--function <name>", "only this function's")
    .addOption(new Option("--status <status>", "only results with this status").choices(InvocationStatus.options))
    .option("--limit <n>", "at most this many (default 20)", parsePositiveInt)
    .action(async (o: { function?: string; status?: InvocationStatus; limit?: number }, c: Command) => {
      const ctx = cliContext(c);
      const list = await withNats(ctx, "spear-cli", async (nats) =>
        (await SpearClient.fromConnection(nats.nc)).invocations({
          ...(o.function ? { function: o.function } : {}),
          ...(o.status ? { status: o.status } : {}),
          limit: o.limit ?? 20,
        }),
      );
      if (ctx.json) list.items.forEach(printJson);
      else printTable(head, list.items.map(row));
      if (list.truncated) process.stderr.write(`note: read the newest ${list.scanned} results; older ones were not searched\n`);
    });
  return cmd;
};
