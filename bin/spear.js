#!/usr/bin/env node
// The `spear` command: runs the bundled CLI (npm run build writes dist/cli/).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const entry = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli", "main.js");
if (!existsSync(entry)) {
  process.stderr.write("error: Spear is not built yet; run 'npm run build' (npm start and npm test build it too)\n");
  process.exit(1);
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
