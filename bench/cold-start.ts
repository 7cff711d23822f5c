import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { ARTIFACT_BUCKET } from "../domain/api/artifacts.js";
import { SpearError } from "../domain/errors.js";
import type { FunctionSpec } from "../domain/events/function.js";
import { watToWasm } from "../examples/wat-to-wasm.js";
import { packageRoot } from "../infra/local/paths.js";
import { DEFAULT_WASM_SPARE_WORKERS } from "../services/spearlet/agent/config.js";
import { objectStoreFetcher } from "../services/spearlet/binaries/object-store-fetcher.js";
import { readVerified } from "../services/spearlet/binaries/verified-download.js";
import { sandboxModule } from "../services/spearlet/runtime/wasm/binary/sandbox-module.js";
import { compileWasmModule } from "../services/spearlet/runtime/wasm/compile.js";
import { WasmRuntime } from "../services/spearlet/runtime/wasm/wasm-runtime.js";
import { LatencyHistogram } from "./support/histogram.js";
import { defineScenario, ratio, round, type Figures } from "./support/scenario.js";
import { benchConnection, startServers } from "./support/servers.js";
import { nodeStats, nodesKnow, startStack } from "./support/stack.js";

const Params = z.strictObject({
  /** Functions deployed one after the other, each with a module of its own (a new sha256). */
  samples: z.number().int().min(1).default(6),
  /** Calls after the first, once it is warm. */
  warmCalls: z.number().int().min(1).default(20),
  /** The size of the data segment that makes the module big. */
  dataBytes: z.number().int().min(0).default(1_048_576),
  slots: z.number().int().min(1).default(4),
  callTimeoutMs: z.number().int().min(100).default(30_000),
});

const MARKER_BYTES = 32;
const INPUT = { hello: "world" };

/**
 * examples/echo with a data segment of `dataBytes` random bytes: a big module whose code is the
 * same small echo. Each call of `variant()` changes the first bytes of the segment, so every
 * sample is a module the node (and V8's caches) have never seen.
 */
async function bigEcho(dataBytes: number): Promise<() => Uint8Array<ArrayBuffer>> {
  const echo = readFileSync(join(packageRoot(), "examples", "echo", "echo.wat"), "utf8");
  const marker = randomBytes(MARKER_BYTES);
  const data = Buffer.concat([marker, randomBytes(dataBytes)]);
  const pages = 2 + Math.ceil(data.length / 65_536);
  const escaped = Array.from(data, (b) => `\\${b.toString(16).padStart(2, "0")}`).join("");
  const source = echo
    .replace(/\(memory \(export "memory"\) 2\)/, `(memory (export "memory") ${pages})`)
    .replace(/\)\s*$/, `  (data (i32.const 131072) "${escaped}")\n)\n`);
  if (source === echo) throw new Error("examples/echo/echo.wat changed shape: cannot add the data segment");
  const base = await watToWasm(source, "cold-start-echo.wat");
  const at = Buffer.from(base).indexOf(marker);
  if (at < 0) throw new Error("the data segment's marker is not in the module");
  return () => {
    const copy = Uint8Array.from(base);
    copy.set(randomBytes(MARKER_BYTES), at);
    return copy;
  };
}

const p50 = (h: LatencyHistogram) => round(h.percentileMs(50));

/**
 * The first invocation of a newly deployed 1 MiB WASM function on a node, against warm calls
 * of the same function: end to end through the whole system, and split into fetch, compile and
 * instantiate by running the spearlet's own modules (object store fetcher, verified read,
 * sandboxing compiler, wasm runtime with the node's default of one spare worker thread) on the
 * same artifact in this process.
 */
export const coldStart = defineScenario({
  name: "cold-start",
  summary: "first invocation of a newly deployed 1 MiB WASM function on a node vs warm calls, split into fetch, compile and instantiate",
  params: Params,
  timeLimitMs: 240_000,
  async run(ctx, p) {
    const servers = await startServers(ctx, { redis: true });
    // One node, so every first call lands where the artifact has never been.
    const stack = await startStack(ctx, { natsUrl: servers.natsUrl, redisUrl: servers.redisUrl, spearlets: 1, slots: p.slots });
    ctx.defer(() => stack.stop());
    const nats = await benchConnection(ctx, servers.natsUrl, "spear-bench-cold-start");
    const variant = await bigEcho(p.dataBytes);
    const node = stack.nodes[0]!;

    const e2e = { first: new LatencyHistogram(), firstRun: new LatencyHistogram(), warm: new LatencyHistogram(), warmRun: new LatencyHistogram(), added: new LatencyHistogram() };
    const steps = {
      fetch: new LatencyHistogram(),
      compile: new LatencyHistogram(),
      sandbox: new LatencyHistogram(),
      instanceStart: new LatencyHistogram(),
      firstCall: new LatencyHistogram(),
      warmCall: new LatencyHistogram(),
      instantiate: new LatencyHistogram(),
      sum: new LatencyHistogram(),
    };
    let moduleBytes = 0;
    let nodeFetches = 0;
    let nodeCompiles = 0;
    const fetcher = objectStoreFetcher(nats.js, ARTIFACT_BUCKET);
    // As on the node: a spare thread, replaced once its instance's first call has ended (the next sample finds it booted).
    const runtime = new WasmRuntime({ spareWorkers: DEFAULT_WASM_SPARE_WORKERS });
    ctx.defer(() => runtime.close());

    for (let i = 1; i <= p.samples && !ctx.signal.aborted; i++) {
      const wasm = variant();
      moduleBytes = wasm.length;
      const name = `cold-${i}`;
      const deployed = await stack.client.deploy(name, { wasm });
      await nodesKnow(stack.client, [node], deployed.seq);
      const spec: FunctionSpec = deployed.function.versions.find((v) => v.version === deployed.version)!.spec;
      const ref = spec.artifact!;

      // End to end: the node fetches, compiles and starts an instance for the first call.
      const before = (await nodeStats(stack.client, node)).binaries;
      let t = performance.now();
      const first = await stack.client.invokeForResult(name, INPUT, { waitMs: p.callTimeoutMs });
      const firstMs = performance.now() - t;
      if (first.status !== "succeeded") throw new SpearError("internal", `the first call of ${name} ${first.status}: ${first.error?.message}`);
      const after = (await nodeStats(stack.client, node)).binaries;
      nodeFetches += after.fetches - before.fetches;
      nodeCompiles += after.compiles - before.compiles;
      e2e.first.recordMs(firstMs);
      e2e.firstRun.recordMs(first.timings.runMs ?? 0);
      const warm = new LatencyHistogram();
      for (let k = 0; k < p.warmCalls; k++) {
        t = performance.now();
        const r = await stack.client.invokeForResult(name, INPUT, { waitMs: p.callTimeoutMs });
        warm.recordMs(performance.now() - t);
        e2e.warmRun.recordMs(r.timings.runMs ?? 0);
      }
      e2e.warm.add(warm);
      e2e.added.recordMs(Math.max(0, firstMs - warm.percentileMs(50)));

      // The same steps in this process, with the spearlet's modules, on the same artifact (the
      // node writes its file while it compiles; nothing here reads it).
      t = performance.now();
      const bytes = await readVerified(await fetcher(ref), ref);
      const fetchMs = performance.now() - t;
      t = performance.now();
      const module = await compileWasmModule(bytes);
      const compileMs = performance.now() - t;
      t = performance.now();
      sandboxModule(bytes);
      steps.sandbox.recordMs(performance.now() - t);
      const path = join(ctx.tempDir, `${ref.sha256}-${randomUUID()}`);
      t = performance.now();
      const instance = await runtime.createInstance({ instanceId: `${name}-bench`, function: name, version: deployed.version, spec, binary: { sha256: ref.sha256, size: ref.size, path, module } });
      const startMs = performance.now() - t;
      try {
        const call = async () => {
          const c0 = performance.now();
          const out = await instance.invoke(INPUT, { invocationId: randomUUID(), timeoutMs: p.callTimeoutMs });
          if (!out.ok) throw new SpearError("internal", `the in-process call of ${name} failed: ${out.error.message}`);
          return performance.now() - c0;
        };
        const firstCallMs = await call();
        const warmCalls = new LatencyHistogram();
        for (let k = 0; k < p.warmCalls; k++) warmCalls.recordMs(await call());
        const instantiateMs = startMs + Math.max(0, firstCallMs - warmCalls.percentileMs(50));
        steps.fetch.recordMs(fetchMs);
        steps.compile.recordMs(compileMs);
        steps.instanceStart.recordMs(startMs);
        steps.firstCall.recordMs(firstCallMs);
        steps.warmCall.add(warmCalls);
        steps.instantiate.recordMs(instantiateMs);
        steps.sum.recordMs(fetchMs + compileMs + instantiateMs);
      } finally {
        await instance.terminate();
      }
      ctx.log.info({ sample: i, firstMs: round(firstMs), warmP50: round(warm.percentileMs(50)), fetchMs: round(fetchMs), compileMs: round(compileMs), instanceStartMs: round(startMs) }, "sample done");
    }

    const figures: Figures = {
      "module.bytes": { value: moduleBytes, unit: "bytes" },
      "e2e.first.p50": { value: p50(e2e.first), unit: "ms" },
      "e2e.first.max": { value: round(e2e.first.summary().max), unit: "ms" },
      "e2e.warm.p50": { value: p50(e2e.warm), unit: "ms" },
      "e2e.warm.p99": { value: round(e2e.warm.percentileMs(99)), unit: "ms" },
      "e2e.added.p50": { value: p50(e2e.added), unit: "ms" },
      "e2e.added.max": { value: round(e2e.added.summary().max), unit: "ms" },
      "e2e.first.node_run.p50": { value: p50(e2e.firstRun), unit: "ms" },
      "e2e.warm.node_run.p50": { value: p50(e2e.warmRun), unit: "ms" },
      "e2e.node_fetches_per_first_call": { value: round(nodeFetches / Math.max(1, e2e.first.count)), unit: "fetches" },
      "e2e.node_compiles_per_first_call": { value: round(nodeCompiles / Math.max(1, e2e.first.count)), unit: "compiles" },
      "steps.fetch.p50": { value: p50(steps.fetch), unit: "ms" },
      "steps.compile.p50": { value: p50(steps.compile), unit: "ms" },
      "steps.compile.sandbox_rewrite.p50": { value: p50(steps.sandbox), unit: "ms" },
      "steps.instantiate.p50": { value: p50(steps.instantiate), unit: "ms" },
      "steps.instantiate.worker_start.p50": { value: p50(steps.instanceStart), unit: "ms" },
      "steps.first_call.p50": { value: p50(steps.firstCall), unit: "ms" },
      "steps.warm_call.p50": { value: p50(steps.warmCall), unit: "ms" },
      "steps.sum.p50": { value: p50(steps.sum), unit: "ms" },
      "samples": { value: e2e.first.count, unit: "functions" },
    };
    const f = (k: string) => figures[k]!;
    return {
      parameters: p,
      figures,
      ratios: {
        cold_over_warm_p50: ratio(f("e2e.first.p50"), f("e2e.warm.p50")),
        steps_sum_over_added_p50: ratio(f("steps.sum.p50"), f("e2e.added.p50")),
      },
    };
  },
});
