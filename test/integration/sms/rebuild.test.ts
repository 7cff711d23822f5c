import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { api } from "../../../domain/api/registry.js";
import type { InvocationFinished } from "../../../domain/events/invocation.js";
import type { NodeStatusReported } from "../../../domain/events/status.js";
import { subjects } from "../../../domain/subjects.js";
import { artifactCatalog } from "../../../projections/definitions/artifact-catalog.js";
import { composeClusterStats } from "../../../projections/definitions/cluster-stats.js";
import { functionCatalog } from "../../../projections/definitions/function-catalog.js";
import { invocationStats, TOTALS_KEY } from "../../../projections/definitions/invocation-stats.js";
import { nodeRegistry } from "../../../projections/definitions/node-registry.js";
import { nodeUsage } from "../../../projections/definitions/node-usage.js";
import { poolIndex } from "../../../projections/definitions/pool-index.js";
import { sessionTable } from "../../../projections/definitions/session-table.js";
import { MemoryHost } from "../../../projections/memory-host.js";
import type { AnyProjection } from "../../../projections/projection.js";
import { loadDocuments, openReadModel, readCheckpoint } from "../../../projections/read-model.js";
import { rebuildProjection } from "../../../projections/rebuild.js";
import { ProjectionWorker } from "../../../projections/worker.js";
import { uploadArtifact } from "../../../services/api/artifact-upload.js";
import { encodeJson } from "../../../streams/json.js";
import { lastMatchingSeq } from "../../../streams/reader.js";
import { eventually, testLog } from "../../support/nats.js";
import { useSms } from "./harness.js";

// Liveness must not append while the states are compared: nodes here never time out.
const sms = useSms({ heartbeatTimeout: "10m" });
const projections: AnyProjection[] = [nodeRegistry, nodeUsage, functionCatalog, artifactCatalog, poolIndex, sessionTable, invocationStats];
const sorted = <D>(m: ReadonlyMap<string, D>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function report(i: number): NodeStatusReported {
  return {
    reportSeq: i,
    at: new Date().toISOString(),
    usage: { cpuPercent: 10 + i, memoryMb: 100, memoryPercent: 5, load1: 0.5, running: i % 3, slots: 4 },
    instances: [{ function: "f0", version: 1, ready: 1, busy: i % 2, total: 1 + (i % 2) }],
    transitions: [],
    outcomes: [],
    draining: false,
  };
}

function finished(i: number): InvocationFinished {
  const at = new Date().toISOString();
  return {
    invocationId: `inv-${i}`,
    function: `f${i % 3}`,
    version: 1,
    status: i % 4 === 0 ? "failed" : "succeeded",
    nodeId: "n1",
    attempts: 1,
    timings: { submittedAt: at, finishedAt: at, totalMs: 10 + i },
  };
}

async function scenario(): Promise<void> {
  const { call, nats } = sms;
  for (let i = 0; i < 6; i++) {
    await call(api.nodes.register, {
      nodeId: `n${i}`,
      name: `node ${i}`,
      capabilities: { runtimes: ["wasm", "process"], services: i % 2 ? ["asr"] : [], languages: i % 3 ? ["en", "zh"] : ["en", "ja"] },
      capacity: { slots: 4 },
    });
  }
  await call(api.nodes.drain, { nodeId: "n2" });
  await call(api.nodes.update, { nodeId: "n3", capabilities: { runtimes: ["wasm"], services: ["asr", "tts"], languages: ["de"] } });
  await call(api.nodes.deregister, { nodeId: "n5" });
  for (let i = 0; i < 30; i++) await nats.js.publish(subjects.status(`n${i % 4}`), encodeJson(report(i)));

  const dir = mkdtempSync(join(tmpdir(), "spear-rebuild-"));
  writeFileSync(join(dir, "m.wasm"), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  const { artifact } = await uploadArtifact(nats.nc, nats.js, join(dir, "m.wasm"));
  for (let i = 0; i < 3; i++) {
    await call(api.functions.deploy, { name: `f${i}`, spec: { runtime: "container", image: `img/f${i}:1` } });
    await call(api.functions.deploy, { name: `f${i}`, spec: { runtime: "wasm", artifact: { sha256: artifact.sha256, size: artifact.size } }, activate: false });
  }
  await call(api.functions.activate, { name: "f0", version: 2 });
  await call(api.functions.deactivate, { name: "f1" });
  await call(api.functions.delete, { name: "f2" });
  await call(api.functions.update, { name: "f0", description: "the first", labels: { team: "a" } });

  await call(api.pools.apply, {
    settings: { autoGenerate: true, strict: true },
    pools: [
      { id: "speech", name: "speech", requiredServices: ["asr"] },
      { id: "en-zh", name: "en-zh", languages: { sources: ["en"], targets: ["zh"] } },
    ],
  });
  await call(api.pools.apply, { pools: [{ id: "en-zh", name: "en-zh", languages: { sources: ["en"], targets: ["zh"] }, matchMode: "exact" }] });
  await call(api.sessions.bind, { sessionId: "s1", poolId: "speech", langPair: { source: "en", target: "zh" } });
  await call(api.sessions.bind, { sessionId: "s1", poolId: "en-zh", langPair: { source: "zh", target: "en" } });
  await call(api.sessions.bind, { sessionId: "s2", poolId: "auto-en_ja" });
  await call(api.sessions.end, { sessionId: "s2" });
  for (let i = 0; i < 20; i++) await nats.js.publish(subjects.result(`inv-${i}`), encodeJson(finished(i)));
}

describe("control-plane projections", () => {
  it("workers and rebuilds from scratch equal the live in-memory state", async () => {
    const { js, jsm } = sms.nats;
    const live = projections.map((p) => new MemoryHost<unknown>(js, p, testLog));
    await Promise.all(live.map((h) => h.start()));
    const workers = projections.map((p) => new ProjectionWorker<unknown>(js, jsm, p, testLog, { maxBatchMs: 50 }));
    const running = workers.map((w) => w.run());
    try {
      await scenario();
      const ends = await Promise.all(projections.map((p) => lastMatchingSeq(jsm, p.stream, p.subject)));
      await eventually(() => (live.every((h, i) => h.lastSeq >= ends[i]!.seq) ? true : undefined), 20_000);
      for (const [i, p] of projections.entries()) {
        const kv = await openReadModel(js, p, 1);
        await eventually(async () => ((await readCheckpoint(kv)) >= ends[i]!.seq ? true : undefined), 20_000);
        expect(sorted(await loadDocuments(kv)), `worker ${p.name}`).toEqual(sorted(live[i]!.state));
      }
    } finally {
      workers.forEach((w) => w.stop());
      await Promise.all(running);
    }

    for (const [i, p] of projections.entries()) {
      await rebuildProjection(js, jsm, p, testLog);
      const rebuilt = await loadDocuments(await openReadModel(js, p, 1));
      expect(rebuilt.size, p.name).toBeGreaterThan(0);
      expect(sorted(rebuilt), `rebuilt ${p.name}`).toEqual(sorted(live[i]!.state));
    }

    const byName = (name: string) => live[projections.findIndex((p) => p.name === name)]!.state as ReadonlyMap<string, never>;
    const fromMemory = composeClusterStats({
      nodes: byName("node-registry").values(),
      usage: byName("node-usage"),
      functions: byName("function-catalog").values(),
      invocations: byName("invocation-stats").entries(),
      totals: byName("invocation-stats").get(TOTALS_KEY),
    });
    expect(fromMemory).toMatchObject({
      nodes: { total: 6, online: 4, draining: 1, lost: 0, deregistered: 1 },
      functions: { total: 2, active: 1, deleted: 1 },
      invocations: { total: 20, byStatus: { failed: 5, succeeded: 15 } },
    });
    expect(fromMemory.invocations.averageMs).toBeCloseTo(19.5);
    expect(fromMemory.invocations.percentiles.totalMs).not.toBeNull();
    expect(Object.keys(fromMemory.invocationsByFunction).length).toBeGreaterThan(0);
    expect(await sms.call(api.cluster.stats, {})).toEqual(fromMemory);
    await Promise.all(live.map((h) => h.stop()));
  });
});
