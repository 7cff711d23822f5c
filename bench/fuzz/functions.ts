import { readFileSync } from "node:fs";
import { join } from "node:path";
import { atNode, nodeAgentApi } from "../../domain/api/node-agent.js";
import { api } from "../../domain/api/registry.js";
import { watToWasm } from "../../examples/wat-to-wasm.js";
import { packageRoot } from "../../infra/local/paths.js";
import type { SpearClient } from "../../services/sdk/client.js";
import { smsRequest } from "../../services/api/client.js";

/** The functions the fuzz run invokes, by what they do with their input. */
export const FUZZ_FUNCTIONS = {
  /** examples/echo: prints its input back (WASM). */
  echo: "fuzz-echo",
  /** bench/fuzz/raw-output.wat: prints the text of a JSON string input as is, so any output (WASM). */
  raw: "fuzz-raw",
  /** bench/fuzz/guest.cjs as a warm process: answers as its input tells it, well or badly. */
  guest: "fuzz-guest",
  /** The same program run once per call. */
  once: "fuzz-once",
} as const;

/** Deploys the fuzzed functions and waits until every node is online and knows them (its TaskRef cache has folded the deploys). */
export async function deployFunctions(client: SpearClient, nodes: readonly string[], timeoutMs: number): Promise<void> {
  const root = packageRoot();
  const guest = join(root, "bench", "fuzz", "guest.cjs");
  const raw = await watToWasm(readFileSync(join(root, "bench", "fuzz", "raw-output.wat"), "utf8"), "raw-output.wat");
  const deployed = [
    await client.deploy(FUZZ_FUNCTIONS.echo, { wasm: join(root, "examples", "echo", "build", "echo.wasm"), timeoutMs }),
    await client.deploy(FUZZ_FUNCTIONS.raw, { wasm: raw, timeoutMs }),
    await client.deploy(FUZZ_FUNCTIONS.guest, { process: ["node", guest], timeoutMs, maxInstances: 4 }),
    await client.deploy(FUZZ_FUNCTIONS.once, { process: ["node", guest], mode: "per-call", env: { FUZZ_PER_CALL: "1" }, timeoutMs }),
  ];
  const seq = Math.max(...deployed.map((d) => d.seq));
  const deadline = Date.now() + 30_000;
  const ready = async (nodeId: string) => {
    const node = await smsRequest(client.connection, api.nodes.get, { nodeId }).catch(() => undefined);
    const stats = await smsRequest(client.connection, atNode(nodeAgentApi.stats, nodeId), {}).catch(() => undefined);
    return node?.state === "online" && (stats?.taskRefSeq ?? 0) >= seq;
  };
  for (const nodeId of nodes) {
    while (!(await ready(nodeId))) {
      if (Date.now() > deadline) throw new Error(`node ${nodeId} is not online with the fuzzed functions within 30 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
