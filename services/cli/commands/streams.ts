import { Command } from "commander";
import { streamCatalog } from "../../../streams/catalog.js";
import { applyStreams } from "../../../infra/nats/apply.js";
import { cliContext, withNats } from "../context.js";
import { printJson, printTable } from "../output.js";

export const streamsCommand = () => {
  const cmd = new Command("streams").description("Spear's JetStream streams");
  cmd
    .command("ls")
    .description("list the streams with their message counts")
    .action(async (_o, c: Command) => {
      const ctx = cliContext(c);
      await withNats(ctx, "spear-streams", async ({ jsm }) => {
        const rows = [];
        for (const def of streamCatalog(ctx.streams)) {
          const info = await jsm.streams.info(def.config.name).catch(() => undefined);
          rows.push({
            name: def.config.name,
            subjects: def.config.subjects,
            exists: info !== undefined,
            messages: info?.state.messages ?? 0,
            bytes: info?.state.bytes ?? 0,
            firstSeq: info?.state.first_seq ?? 0,
            lastSeq: info?.state.last_seq ?? 0,
            replicas: info?.config.num_replicas ?? def.config.num_replicas,
            description: def.description,
          });
        }
        if (ctx.json) return rows.forEach(printJson);
        printTable(
          ["stream", "subjects", "messages", "bytes", "first", "last", "replicas"],
          rows.map((r) => [r.exists ? r.name : `${r.name} (missing)`, r.subjects.join(" "), r.messages, r.bytes, r.firstSeq, r.lastSeq, r.replicas]),
        );
      });
    });
  cmd
    .command("apply")
    .description("create or update every stream and bucket (idempotent; needs the admin identity: services never do this)")
    .action(async (_o, c: Command) => {
      const ctx = cliContext(c);
      await withNats(ctx, "spear-streams", async (nats) => {
        const outcomes = await applyStreams(nats, ctx.streams);
        if (ctx.json) return outcomes.forEach(printJson);
        printTable(["stream", "action"], outcomes.map((o) => [o.name, o.action]));
      });
    });
  return cmd;
};
