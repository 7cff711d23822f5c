import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, release, totalmem, type as osType } from "node:os";
import { join } from "node:path";
import { requireBinary } from "../../infra/local/binaries.js";
import { packageRoot } from "../../infra/local/paths.js";

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryMb: number;
  readonly os: string;
  readonly node: string;
  readonly natsServer: string;
  readonly redisServer: string;
}

function firstLine(binary: string, args: string[]): string {
  const r = spawnSync(binary, args, { encoding: "utf8", timeout: 5_000 });
  return `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n")[0] ?? "";
}

/** The machine a run measured: the figures mean little without it. */
export function describeMachine(): Machine {
  const c = cpus();
  const nats = firstLine(requireBinary("nats-server"), ["--version"]);
  const redis = firstLine(requireBinary("redis-server"), ["--version"]);
  return {
    cpus: c.length,
    cpuModel: c[0]?.model.trim() ?? "unknown",
    memoryMb: Math.round(totalmem() / 1_048_576),
    os: `${osType()} ${release()}`,
    node: process.version,
    natsServer: /v?\d+\.\d+\.\d+/.exec(nats)?.[0] ?? nats,
    redisServer: /v=(\S+)/.exec(redis)?.[1] ?? redis,
  };
}

/** The packages on the measured paths, as installed. */
const KEY_PACKAGES = ["@nats-io/transport-node", "@nats-io/jetstream", "@nats-io/obj", "ioredis", "bullmq", "zod", "pino", "hdr-histogram-js"];

export function packageVersions(): Record<string, string> {
  const root = packageRoot();
  const read = (dir: string) => (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
  const out: Record<string, string> = { spear: read(root) };
  for (const name of KEY_PACKAGES) {
    try {
      out[name] = read(join(root, "node_modules", name));
    } catch {
      out[name] = "not installed";
    }
  }
  return out;
}
