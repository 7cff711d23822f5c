// Bundles the compiled CLI (dist/services/cli/main.js) into dist/cli/: one module per command,
// chunks shared between them. A process that loads ~510 modules one by one spent most of its
// start in Node's module loader (a spearlet: about 0.96 s of CPU to registered, 0.70 s bundled
// with ~170), and every restart after a crash pays it. Run after tsc.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../local/paths.js";

/**
 * Left to Node's loader: packages that read files beside their own code at run time (`__dirname`:
 * pino's and thread-stream's workers, ioredis's package.json, the gateway's static files, the
 * trace exporters) or load native addons (dockerode's ssh2), and pino-pretty, loaded on demand.
 */
const external = ["dockerode", "pino", "pino-pretty", "ioredis", "fastify", "@fastify/*", "@opentelemetry/*"];

const root = packageRoot();
const outdir = join(root, "dist", "cli");
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, "dist", "services", "cli", "main.js")],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external,
  sourcemap: "linked",
  // Bundled CommonJS packages call require() for Node's own modules.
  banner: { js: 'import { createRequire as __spearRequire } from "node:module"; const require = __spearRequire(import.meta.url);' },
  logLevel: "warning",
});
