import getPort from "get-port";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { atNode, nodeAgentApi, type NodeStats } from "../../domain/api/node-agent.js";
import { DevStack, type DevStatus } from "../../infra/local/dev-stack.js";
import { packageRoot } from "../../infra/local/paths.js";
import { watToWasm } from "../../examples/wat-to-wasm.js";
import { SpearClient } from "../../services/sdk/client.js";
import { smsRequest } from "../../services/api/client.js";
import { defaultStreamSettings } from "../../streams/catalog.js";
import type { ScenarioContext } from "./scenario.js";

export interface BenchStack {
  readonly status: DevStatus;
  /** A client of the bench process, on a connection of its own. */
  readonly client: SpearClient;
  /** The spearlets' node ids. */
  readonly nodes: readonly string[];
  stop(): Promise<void>;
}

/**
 * All of Spear as `spear dev` runs it (control plane, projection workers, scheduler, spearlets,
 * gateway, each a child process), on servers the scenario started, without the examples.
 * With `--profile` every service writes a V8 CPU profile when it stops.
 */
export async function startStack(
  ctx: ScenarioContext,
  o: { natsUrl: string; redisUrl: string; spearlets: number; slots: number; serviceEnv?: NodeJS.ProcessEnv; folder?: string },
): Promise<BenchStack> {
  const stack = new DevStack({
    dataDir: join(ctx.tempDir, o.folder ?? "stack"),
    streams: defaultStreamSettings,
    log: ctx.log.child({ part: "stack" }, { level: "warn" }),
    gatewayPort: await getPort({ host: "127.0.0.1" }),
    spearlets: o.spearlets,
    slots: o.slots,
    servers: { natsUrl: o.natsUrl, redisUrl: o.redisUrl },
    examples: false,
    // A service that dies during a measurement must fail the scenario, not be quietly replaced.
    restart: false,
    serviceEnv: { ...o.serviceEnv, ...(ctx.profileDir ? profilingEnv(ctx.profileDir) : {}) },
  });
  let status: DevStatus;
  try {
    status = await stack.start();
  } catch (e) {
    await stack.stop();
    throw e;
  }
  for (const [name, pid] of Object.entries(status.pids)) ctx.labelProcess(pid, name);
  let client: SpearClient;
  try {
    client = await SpearClient.connect({ url: o.natsUrl, name: "spear-bench", reconnect: false, connectTimeoutMs: 10_000 });
  } catch (e) {
    await stack.stop();
    throw e;
  }
  return {
    status,
    client,
    nodes: Array.from({ length: o.spearlets }, (_, i) => `dev-${i + 1}`),
    async stop() {
      await client.close();
      await stack.stop();
    },
  };
}

/** The environment that makes a Node.js service write a CPU profile into `dir` when it exits (see cpu-prof-preload.ts). */
export function profilingEnv(dir: string): NodeJS.ProcessEnv {
  const preload = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "cpu-prof-preload.js")).href;
  return { NODE_OPTIONS: `--import=${preload}`, SPEAR_BENCH_PROFILE_DIR: dir };
}

/** The no-op function of the invoke benchmarks (bench/noop.wat), assembled here. */
export async function noopWasm(): Promise<Uint8Array<ArrayBuffer>> {
  const source = join(packageRoot(), "bench", "noop.wat");
  return watToWasm(readFileSync(source, "utf8"), "bench/noop.wat");
}

export const nodeStats = (client: SpearClient, nodeId: string): Promise<NodeStats> => smsRequest(client.connection, atNode(nodeAgentApi.stats, nodeId), {});

/** Waits until every node's TaskRef cache has folded the function event at `seq` (a deploy's). */
export async function nodesKnow(client: SpearClient, nodes: readonly string[], seq: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const node of nodes) {
    while ((await nodeStats(client, node)).taskRefSeq < seq) {
      if (Date.now() > deadline) throw new Error(`node ${node} has not folded function event ${seq} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
