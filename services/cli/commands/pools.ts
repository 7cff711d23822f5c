import { Command } from "commander";
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import type { PoolSummary } from "../../../domain/api/pools.js";
import { api } from "../../../domain/api/registry.js";
import { SpearError } from "../../../domain/errors.js";
import type { PoolsDocument } from "../../../domain/pool/commands.js";
import { allPages } from "../../api/all-pages.js";
import { smsRequest } from "../../api/client.js";
import { cliContext, withNats } from "../context.js";
import { printJson, printTable } from "../output.js";
import { callSms, list } from "./sms-client.js";

const languagesOf = (p: PoolSummary) => {
  const l = p.definition.languages;
  if (l.anyToAny) return l.blocked.length > 0 ? `any but ${l.blocked.map((b) => `${b.source}>${b.target}`).join(",")}` : "any";
  return list(p.languages ?? []);
};

/** Reads a pools document from JSON or YAML (YAML is a superset of JSON). */
async function readDocument(file: string): Promise<z.input<typeof PoolsDocument>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new SpearError("invalid_argument", `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new SpearError("invalid_argument", `${file} is neither JSON nor YAML: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new SpearError("invalid_argument", `${file} must hold an object with "pools" (and optionally "settings", "prune")`);
  }
  return doc as z.input<typeof PoolsDocument>;
}

export const poolsCommand = () => {
  const cmd = new Command("pools").description("node pools: configured and generated from node languages");
  cmd
    .command("ls")
    .description("list pools in ring order with their requirements and member counts")
    .action(async (_o, c: Command) => {
      const ctx = cliContext(c);
      const { pools, settings } = await withNats(ctx, "spear-cli", async (nats) => ({
        pools: await allPages(nats, api.pools.list, {}),
        settings: await smsRequest(nats.nc, api.pools.settings, {}),
      }));
      if (ctx.json) return pools.forEach(printJson);
      printTable(
        ["pool", "name", "services", "languages", "match", "generated", "members"],
        pools.map((p) => [p.id, p.definition.name, list(p.definition.requiredServices), languagesOf(p), p.definition.matchMode, p.generated ? "yes" : "no", p.memberCount]),
      );
      const overrides = Object.entries(settings.tenantOverrides).map(([t, ps]) => `${t}→${ps.join(",")}`);
      process.stdout.write(`strict: ${settings.strict}, auto-generate: ${settings.autoGenerate}, tenant overrides: ${overrides.join("; ") || "none"}\n`);
    });
  cmd
    .command("get")
    .argument("<id>", "pool id")
    .description("one pool with its members")
    .action(async (poolId: string, _o, c: Command) => {
      const { ctx, result: p } = await callSms(c, api.pools.get, { poolId });
      if (ctx.json) {
        printJson(p);
        return;
      }
      printTable(["field", "value"], [
        ["id", p.id],
        ["name", p.definition.name],
        ["generated", p.generated ? "yes" : "no"],
        ["services", list(p.definition.requiredServices)],
        ["languages", languagesOf(p)],
        ["match", p.definition.matchMode],
        ["members", list(p.members)],
      ]);
    });
  cmd
    .command("apply")
    .argument("<file>", "a JSON or YAML document: { settings?, pools: [{ id, name, requiredServices?, languages?, matchMode? }], prune? }")
    .option("--prune", "also remove configured pools the document does not list")
    .description("define or change the pools (and settings) a document describes")
    .action(async (file: string, o: { prune?: boolean }, c: Command) => {
      const doc = await readDocument(file);
      const { ctx, result } = await callSms(c, api.pools.apply, { ...doc, ...(o.prune ? { prune: true } : {}) });
      if (ctx.json) {
        printJson(result);
        return;
      }
      printTable(["pool", "action"], result.pools.map((p) => [p.poolId, p.action]));
      process.stdout.write(`settings ${result.settings}\n`);
    });
  return cmd;
};
