import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { DeployDefinition } from "../../services/sdk/deploy.js";
import { SpearClient } from "../../services/sdk/client.js";
import { engineClient, pingEngine, statusOf } from "../../services/spearlet/runtime/container/docker-engine.js";
import { defaultSocketPath } from "../../services/spearlet/runtime/container/socket-path.js";
import type { Nats } from "../../streams/connection.js";
import { packageRoot } from "./paths.js";

export interface DeployedExample {
  readonly name: string;
  readonly runtime: string;
  readonly version: number | null;
  /** Why it was not deployed. */
  readonly skipped?: string;
  /** An input that shows what the function does. */
  readonly sample: unknown;
}

const UPPER_IMAGE = "spear-example-upper:1";

/** The functions of examples/ that `spear dev` deploys, with an input each to try. */
function examples(root: string): { name: string; def: DeployDefinition; sample: unknown }[] {
  return [
    { name: "echo", def: { wasm: join(root, "examples/echo/build/echo.wasm"), minWarm: 1 }, sample: { hello: "world" } },
    { name: "wordcount", def: { wasm: join(root, "examples/wordcount/build/wordcount.wasm") }, sample: "the quick brown fox jumps over the lazy dog" },
    { name: "wc", def: { process: "node examples/process-js/wc.js" }, sample: { text: "one two three\nfour" } },
    { name: "upper", def: { image: UPPER_IMAGE }, sample: { greeting: "hello" } },
  ];
}

/**
 * Deploys the examples through the SDK. The container example needs a Docker engine; its image
 * is built locally (examples/container-upper/build.sh) the first time, and skipped, with the
 * reason, where no engine answers.
 */
export async function deployExamples(nats: Nats, log: Logger): Promise<DeployedExample[]> {
  const root = packageRoot();
  const client = await SpearClient.fromConnection(nats.nc);
  const out: DeployedExample[] = [];
  for (const ex of examples(root)) {
    const runtime = ex.def.wasm ? "wasm" : ex.def.image ? "container" : "process";
    const missing = ex.def.image ? await imageMissingReason(root) : ex.def.wasm && !existsSync(String(ex.def.wasm)) ? `${ex.def.wasm} is not built (npm run build)` : undefined;
    if (missing) {
      log.warn({ function: ex.name, reason: missing }, "example not deployed");
      out.push({ name: ex.name, runtime, version: null, skipped: missing, sample: ex.sample });
      continue;
    }
    const deployed = await client.deploy(ex.name, ex.def);
    out.push({ name: ex.name, runtime, version: deployed.version, sample: ex.sample });
  }
  return out;
}

async function imageMissingReason(root: string): Promise<string | undefined> {
  const socket = defaultSocketPath();
  const docker = engineClient(socket);
  const ping = await pingEngine(docker, socket, 2_000);
  if (!ping.ok) return ping.reason;
  try {
    await docker.getImage(UPPER_IMAGE).inspect();
    return undefined;
  } catch (e) {
    if (statusOf(e) !== 404) return `the Docker engine did not describe ${UPPER_IMAGE}: ${(e as Error).message}`;
  }
  const built = spawnSync("sh", [join(root, "examples/container-upper/build.sh"), UPPER_IMAGE], { encoding: "utf8", timeout: 180_000 });
  return built.status === 0 ? undefined : `building ${UPPER_IMAGE} failed: ${(built.stderr || built.stdout).trim().split("\n").slice(-2).join(" ")}`;
}
