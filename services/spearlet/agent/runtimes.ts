import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { FunctionSpec } from "../../../domain/events/function.js";
import type { NodeCapabilities } from "../../../domain/events/node.js";
import type { RuntimeKind } from "../../../domain/ids.js";
import { nodeHandlesPair } from "../../../domain/pool/languages.js";
import { defaultSocketPath } from "../runtime/container/socket-path.js";
import { ProcessRuntime } from "../runtime/process/process-runtime.js";
import type { IsolationGap } from "../../../domain/api/node-agent.js";
import type { Runtime } from "../runtime/runtime.js";
import { WasmRuntime } from "../runtime/wasm/wasm-runtime.js";

export interface RuntimeSetup {
  readonly nodeId: string;
  readonly wanted: readonly RuntimeKind[];
  /** The node's own folder; process instances get working folders under it. */
  readonly nodeDir: string;
  readonly baseDir: string;
  readonly containerCpus: number;
  /** Confine process functions (see the spearlet's `isolation` setting). */
  readonly isolation: boolean;
  /** Worker threads the wasm runtime keeps started for cold starts (see the spearlet's `wasmSpareWorkers` setting). */
  readonly wasmSpareWorkers: number;
  readonly dockerSocket?: string | undefined;
  readonly log: Logger;
}

/**
 * Builds the runtimes asked for and keeps those this machine can run (`available()`), logging
 * why the others are left out, and warning once per runtime of the isolation it cannot give
 * here. A container runtime first removes the containers an earlier run of this node left behind.
 */
export async function availableRuntimes(s: RuntimeSetup): Promise<Partial<Record<RuntimeKind, Runtime>>> {
  const out: Partial<Record<RuntimeKind, Runtime>> = {};
  for (const kind of new Set(s.wanted)) {
    const runtime = await build(kind, s);
    const ready = typeof runtime === "string" ? { ok: false as const, reason: runtime } : await runtime.available();
    if (!ready.ok) {
      s.log.warn({ runtime: kind, reason: ready.reason }, "runtime not available on this node; not advertised");
      if (typeof runtime !== "string") await runtime.close?.();
      continue;
    }
    if (typeof runtime === "string") continue;
    const gaps = runtime.isolationGaps?.() ?? [];
    if (gaps.length > 0)
      s.log.warn({ runtime: kind, missing: gaps }, `${kind} functions run without: ${gaps.map((g) => g.mechanism).join("; ")} (${gaps[0]!.reason})`);
    await runtime.removeLeftovers?.();
    out[kind] = runtime;
  }
  return out;
}

/** The runtime, or why it cannot be had here (said without loading a client it would not use). */
async function build(kind: RuntimeKind, s: RuntimeSetup): Promise<Runtime | string> {
  switch (kind) {
    case "wasm":
      return new WasmRuntime({ spareWorkers: s.wasmSpareWorkers });
    case "process": {
      // Working folders a killed run of this node left behind; nothing else writes here.
      const workRoot = join(s.nodeDir, "work");
      rmSync(workRoot, { recursive: true, force: true });
      return new ProcessRuntime({ workRoot, baseDir: s.baseDir, confine: s.isolation }, s.log);
    }
    case "container": {
      // The Docker client is a few hundred modules: a node restarting without an engine must not pay for it.
      const socketPath = s.dockerSocket ?? defaultSocketPath();
      if (!existsSync(socketPath)) return `no Docker engine socket at ${socketPath}`;
      const { ContainerRuntime } = await import("../runtime/container/container-runtime.js");
      return new ContainerRuntime({ ownerId: s.nodeId, cpus: s.containerCpus, socketPath }, s.log);
    }
  }
}

/** Whether the scheduler could place this version here: runtime, services, labels and language pair. */
export function canRun(caps: NodeCapabilities, spec: FunctionSpec): boolean {
  if (!caps.runtimes.includes(spec.runtime)) return false;
  const req = spec.requirements;
  if (!req.services.every((s) => caps.services.includes(s))) return false;
  if (!Object.entries(req.labels).every(([k, v]) => caps.labels[k] === v)) return false;
  return req.langPair === undefined || nodeHandlesPair(caps.languages, req.langPair);
}

/** Ends what the runtimes hold besides their instances (the pools are closed first). */
export async function closeRuntimes(runtimes: Partial<Record<RuntimeKind, Runtime>>): Promise<void> {
  await Promise.all(Object.values(runtimes).map((r) => r.close?.()));
}

/** The isolation gaps of the runtimes kept, for the node's health. */
export const isolationGaps = (runtimes: Partial<Record<RuntimeKind, Runtime>>): IsolationGap[] =>
  Object.entries(runtimes).flatMap(([kind, r]) => (r.isolationGaps?.() ?? []).map((g) => ({ runtime: kind as RuntimeKind, ...g })));
