import { Command } from "commander";
import { api } from "../../../domain/api/registry.js";
import type { SessionView } from "../../../domain/session/view.js";
import { allPages } from "../../api/all-pages.js";
import { cliContext, withNats } from "../context.js";
import { printJson, printTable } from "../output.js";
import { callSms } from "./sms-client.js";

const head = ["session", "pool", "language pair", "tenant", "state", "bound", "rebinds"];
const row = (s: SessionView) => [
  s.id,
  s.poolId,
  s.langPair ? `${s.langPair.source}>${s.langPair.target}` : null,
  s.tenant,
  s.ended ? `${s.endReason} ${s.endedAt}` : "bound",
  s.lastBoundAt,
  s.rebinds,
];

export const sessionsCommand = () => {
  const cmd = new Command("sessions").description("session affinity: preferred pool and bound language pair");
  cmd
    .command("get")
    .argument("<id>", "session id")
    .description("one session")
    .action(async (sessionId: string, _o, c: Command) => {
      const { ctx, result } = await callSms(c, api.sessions.get, { sessionId });
      if (ctx.json) printJson(result);
      else printTable(head, [row(result)]);
    });
  cmd
    .command("ls")
    .description("list sessions")
    .option("--all", "include ended sessions")
    .action(async (o: { all?: boolean }, c: Command) => {
      const ctx = cliContext(c);
      const sessions = await withNats(ctx, "spear-cli", (nats) => allPages(nats, api.sessions.list, { includeEnded: o.all ?? false }));
      if (ctx.json) return sessions.forEach(printJson);
      printTable(head, sessions.map(row));
    });
  cmd
    .command("end")
    .argument("<id>", "session id")
    .description("end a session: its affinity is forgotten")
    .action(async (sessionId: string, _o, c: Command) => {
      const { ctx, result } = await callSms(c, api.sessions.end, { sessionId });
      if (ctx.json) printJson(result.session);
      else printTable(head, [row(result.session)]);
    });
  return cmd;
};
