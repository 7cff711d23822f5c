import { existsSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { SpearError } from "../../../../domain/errors.js";
import { packageRoot } from "../../../../infra/local/paths.js";

let script: string | undefined;

/**
 * The worker thread runs the compiled JavaScript in dist/, found from the package root: this
 * file runs bundled (dist/cli/, the `spear` command), from dist/, and as TypeScript source
 * under the test runner (the test setup compiles dist/ first).
 */
function workerScript(): string {
  if (script) return script;
  const compiled = join(packageRoot(), "dist", "services", "spearlet", "runtime", "wasm", "worker.js");
  if (!existsSync(compiled)) throw new SpearError("internal", `compiled wasm worker missing at ${compiled}: run npm run build`);
  return (script = compiled);
}

/**
 * A thread for one wasm instance, with nothing of the node's environment or flags. It waits for
 * its `InitMessage`, so it can be started before anyone knows which module it will run.
 */
export function spawnWasmWorker(heapMb: number): Worker {
  return new Worker(workerScript(), { env: {}, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: heapMb } });
}
