import { Command } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { authorizationBlock } from "../../../infra/nats/auth-config.js";
import { loadCredentials } from "../../../infra/local/credentials.js";

/**
 * `spear auth config`: the identities of a cluster (one per role, one per spearlet node) with
 * generated passwords, and the server configuration that enforces them. Run again with more
 * nodes, it keeps the passwords it made before and adds the new nodes'.
 */
export const authCommand = () => {
  const cmd = new Command("auth").description("who may do what: NATS identities per role, Redis's password");
  cmd
    .command("config")
    .description("write credentials.json (0600), nats-auth.conf (an `authorization` block to include in nats-server's configuration) and redis-auth.conf")
    .requiredOption("--nodes <ids>", "the spearlets' node ids, comma-separated (each gets an identity of its own)")
    .option("--out <dir>", "where to write them", "spear-auth")
    .action((o: { nodes: string; out: string }) => {
      const dir = resolve(o.out);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const nodes = o.nodes.split(",").map((n) => n.trim()).filter(Boolean);
      const creds = loadCredentials(dir, nodes);
      writeFileSync(join(dir, "nats-auth.conf"), authorizationBlock(creds.nats), { mode: 0o600 });
      writeFileSync(join(dir, "redis-auth.conf"), `requirepass ${creds.redisPassword}\n`, { mode: 0o600 });
      process.stdout.write(
        [
          `wrote ${join(dir, "credentials.json")}, nats-auth.conf and redis-auth.conf`,
          `  nats-server: add \`include ${join(dir, "nats-auth.conf")}\` to its configuration`,
          `  redis-server: add \`include ${join(dir, "redis-auth.conf")}\` to its configuration`,
          "  each process: SPEAR_NATS_URL=nats://<user>:<password>@host:port with its role's identity from credentials.json",
          "",
        ].join("\n"),
      );
    });
  return cmd;
};
