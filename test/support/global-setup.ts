import { spawnSync } from "node:child_process";

/**
 * Tests that spawn `bin/spear.js` need dist/ (and its bundle, dist/cli/) to match the sources. tsc is incremental, so this
 * is quick; it emits even when types fail (npm test's bootstrap has already refused type errors,
 * and a focused `npx vitest run` should not be blocked by an unrelated file).
 */
export default function setup(): void {
  const r = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], { encoding: "utf8" });
  if (r.status !== 0) process.stderr.write(`[global-setup] tsc reported errors (emitted anyway):\n${r.stdout}${r.stderr}`);
  // `bin/spear.js` runs the bundle of the compiled CLI.
  const b = spawnSync(process.execPath, ["dist/infra/build/bundle-cli.js"], { encoding: "utf8" });
  if (b.status !== 0) process.stderr.write(`[global-setup] bundling the CLI failed:\n${b.stdout}${b.stderr}`);
  // The WebAssembly examples (examples/*/build/*.wasm) are built from their WAT sources; only
  // the tests that run them fail when that build does.
  const ex = spawnSync(process.execPath, ["dist/examples/build-examples.js"], { encoding: "utf8" });
  if (ex.status !== 0) process.stderr.write(`[global-setup] building the WebAssembly examples failed:\n${ex.stdout}${ex.stderr}`);
}
