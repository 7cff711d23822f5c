import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { SpearError } from "../../../../domain/errors.js";

/**
 * The worker thread runs JavaScript: next to this file once compiled, and from dist/ when this
 * file runs as TypeScript source under the test runner (the test setup compiles dist/ first).
 */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const beside = join(dirname(here), "worker.js");
  if (!here.endsWith(".ts")) return beside;
  const compiled = join(dirname(here), "..", "..", "..", "..", "dist", "services", "spearlet", "runtime", "wasm", "worker.js");
  if (!existsSync(compiled)) throw new SpearError("internal", `compiled wasm worker missing at ${compiled}: run npm run build`);
  return compiled;
}

/**
 * A thread for one wasm instance, with nothing of the node's environment or flags. It waits for
 * its `InitMessage`, so it can be started before anyone knows which module it will run.
 */
export function spawnWasmWorker(heapMb: number): Worker {
  return new Worker(workerScript(), { env: {}, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: heapMb } });
}
