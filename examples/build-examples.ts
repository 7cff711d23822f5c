// Builds the WebAssembly examples from source: every examples/<name>/<name>.wat becomes
// examples/<name>/build/<name>.wasm (git-ignored). `npm run build`, `npm start`, `npm test`
// and the test setup run it after the TypeScript build: node dist/examples/build-examples.js
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { watToWasm } from "./wat-to-wasm.js";

/** The examples folder in the source tree, whether this runs from dist/ or from the sources. */
function examplesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the project root (package.json) above build-examples");
    dir = up;
  }
  return join(dir, "examples");
}

export async function buildExamples(root = examplesDir()): Promise<string[]> {
  const built: string[] = [];
  for (const name of readdirSync(root).sort()) {
    const source = join(root, name, `${name}.wat`);
    if (!existsSync(source)) continue;
    const out = join(root, name, "build", `${name}.wasm`);
    mkdirSync(dirname(out), { recursive: true });
    const wasm = await watToWasm(readFileSync(source, "utf8"), relative(root, source));
    // Rewritten only when it changed, and by rename: a test reading it during a build never sees half a file.
    if (!existsSync(out) || !readFileSync(out).equals(wasm)) {
      writeFileSync(`${out}.tmp`, wasm);
      renameSync(`${out}.tmp`, out);
    }
    built.push(out);
  }
  return built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildExamples().then(
    (built) => process.stderr.write(`[examples] built ${built.length} WebAssembly example(s): ${built.map((b) => relative(process.cwd(), b)).join(", ")}\n`),
    (e: unknown) => {
      process.stderr.write(`[examples] build failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
