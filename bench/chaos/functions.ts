import { existsSync } from "node:fs";
import { join } from "node:path";
import { atNode, nodeAgentApi } from "../../domain/api/node-agent.js";
import { api } from "../../domain/api/registry.js";
import { packageRoot } from "../../infra/local/paths.js";
import { uploadArtifact } from "../../services/api/artifact-upload.js";
import { smsRequest } from "../../services/api/client.js";
import type { Nats } from "../../streams/connection.js";

/** The WASM example that returns its input. */
export const ECHO = "chaos-echo";
/** The process function (bench/chaos/sleep-log.js) that sleeps `input.sleepMs` and logs each execution's id. */
export const SLEEP = "chaos-sleep";

/**
 * Deploys both functions and waits until every node's TaskRef cache has folded them, so the
 * first calls do not wait for a deploy they overtook. `executionLog` is where the process
 * function appends one line per execution.
 */
export async function deployFunctions(nats: Nats, o: { executionLog: string; timeoutMs: number; nodeIds: readonly string[] }): Promise<void> {
  const root = packageRoot();
  const wasm = join(root, "examples", "echo", "build", "echo.wasm");
  if (!existsSync(wasm)) throw new Error(`${wasm} is not built; run 'node dist/examples/build-examples.js' (npm run build)`);
  const { artifact } = await uploadArtifact(nats.nc, nats.js, wasm);
  const echo = await smsRequest(nats.nc, api.functions.deploy, {
    name: ECHO,
    spec: { runtime: "wasm", artifact: { sha256: artifact.sha256, size: artifact.size }, limits: { timeoutMs: o.timeoutMs }, scaling: { minWarm: 1 } },
  });
  const sleep = await smsRequest(nats.nc, api.functions.deploy, {
    name: SLEEP,
    spec: {
      runtime: "process",
      // The Node.js running the harness, by its path: the function's PATH is not the spearlet's.
      command: [process.execPath, join("bench", "chaos", "sleep-log.js")],
      env: { CHAOS_EXECUTION_LOG: o.executionLog },
      limits: { timeoutMs: o.timeoutMs },
      scaling: { minWarm: 1 },
    },
  });
  const seq = Math.max(echo.seq, sleep.seq);
  const deadline = Date.now() + 30_000;
  for (const nodeId of o.nodeIds) {
    while ((await smsRequest(nats.nc, atNode(nodeAgentApi.stats, nodeId), {})).taskRefSeq < seq) {
      if (Date.now() > deadline) throw new Error(`node ${nodeId} has not folded the deploys (function event ${seq}) within 30 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
