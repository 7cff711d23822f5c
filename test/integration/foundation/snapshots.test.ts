import { Objm } from "@nats-io/obj";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeControlLog } from "../../../bench/support/control-log.js";
import { artifactCatalog } from "../../../projections/definitions/artifact-catalog.js";
import { functionCatalog } from "../../../projections/definitions/function-catalog.js";
import { nodeRegistry } from "../../../projections/definitions/node-registry.js";
import { poolIndex } from "../../../projections/definitions/pool-index.js";
import { sessionTable } from "../../../projections/definitions/session-table.js";
import { MemoryHost } from "../../../projections/memory-host.js";
import type { AnyProjection } from "../../../projections/projection.js";
import { createSnapshotBucket, loadSnapshot, SNAPSHOT_BUCKET } from "../../../projections/snapshots.js";
import { ProjectionWorker } from "../../../projections/worker.js";
import type { Nats } from "../../../streams/connection.js";
import { connectTest, testLog } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

const servers = useServers({ nats: true });
let nats: Nats;
beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
  await createSnapshotBucket(nats.js, 1);
});
afterAll(async () => nats?.nc.close());

/** The projections of the control events that the services host in memory. */
const served: AnyProjection[] = [nodeRegistry, functionCatalog, artifactCatalog, poolIndex, sessionTable];
const shape = { historyDays: 30, liveSessions: 200, liveNodes: 10, functions: 5 };

async function fold(p: AnyProjection, snapshots: boolean): Promise<{ state: string; lastSeq: number }> {
  const host = new MemoryHost(nats.js, p, testLog, { snapshots });
  try {
    await host.start();
    return { state: JSON.stringify([...host.state].sort(([a], [b]) => (a < b ? -1 : 1))), lastSeq: host.lastSeq };
  } finally {
    await host.stop();
  }
}

describe("read model snapshots", () => {
  let snapshotSeq = 0;

  it("the projection worker writes a snapshot of each projection once caught up", async () => {
    const { lastSeq } = await writeControlLog(nats, { ...shape, events: 6_000 });
    for (const p of served) await new ProjectionWorker(nats.js, nats.jsm, p, testLog, { untilCaughtUp: true }).run();
    for (const p of served) {
      const loaded = await loadSnapshot(nats.js, nats.jsm, p);
      expect(loaded.ok, `${p.name}: ${loaded.ok ? "" : loaded.reason}`).toBe(true);
      if (loaded.ok) expect(loaded.snapshot.lastSeq).toBeLessThanOrEqual(lastSeq);
    }
    // artifact-catalog has no event in this log: its (empty) snapshot covers the whole stream,
    // so a service starting from it reads nothing before it is ready
    const artifacts = await loadSnapshot(nats.js, nats.jsm, artifactCatalog);
    expect(artifacts.ok && artifacts.snapshot).toMatchObject({ lastSeq, docs: new Map() });
    const sessions = await loadSnapshot(nats.js, nats.jsm, sessionTable);
    if (sessions.ok) snapshotSeq = sessions.snapshot.lastSeq;
    expect(snapshotSeq).toBeGreaterThan(0);
  });

  it("a snapshot followed by the events after it equals the fold from sequence 1", async () => {
    // events after the snapshot: more sessions bound and ended, nodes come and go, deploys
    await writeControlLog(nats, { ...shape, events: 3_000 });
    for (const p of served) {
      const [fromSnapshot, full] = await Promise.all([fold(p, true), fold(p, false)]);
      // A snapshot may cover the stream past the subject's last event (see the next test).
      expect(fromSnapshot.lastSeq, p.name).toBeGreaterThanOrEqual(full.lastSeq);
      expect(fromSnapshot.state, p.name).toBe(full.state);
    }
  });

  it("ended sessions older than a day are not in the state", async () => {
    const host = new MemoryHost(nats.js, sessionTable, testLog, { snapshots: true });
    await host.start();
    await host.stop();
    // ~6,300 sessions bound over two 30-day histories, a few hundred live: what ended days ago is gone
    expect(host.state.size).toBeLessThan(1_500);
  });

  it("a damaged snapshot, or one of another fold version, is ignored: the host folds from sequence 1", async () => {
    const os = await new Objm(nats.js).open(SNAPSHOT_BUCKET);
    const full = await fold(sessionTable, false);
    await os.putBlob({ name: sessionTable.name }, new TextEncoder().encode("not gzip at all"));
    expect((await loadSnapshot(nats.js, nats.jsm, sessionTable)).ok).toBe(false);
    expect(await fold(sessionTable, true)).toEqual(full);

    const info = await nats.jsm.streams.info(sessionTable.stream);
    const old = { format: 1, projection: sessionTable.name, foldVersion: 1, streamCreated: info.created, lastSeq: 1, takenAt: new Date().toISOString(), docs: [["bogus", {}]] };
    await os.putBlob({ name: sessionTable.name }, gzipSync(JSON.stringify(old)));
    const loaded = await loadSnapshot(nats.js, nats.jsm, sessionTable);
    expect(loaded.ok ? "" : loaded.reason).toMatch(/fold version/);
    expect(await fold(sessionTable, true)).toEqual(full);

    const ahead = { ...old, foldVersion: 2, lastSeq: info.state.last_seq + 10 };
    await os.putBlob({ name: sessionTable.name }, gzipSync(JSON.stringify(ahead)));
    expect((await loadSnapshot(nats.js, nats.jsm, sessionTable)).ok).toBe(false);
    expect(await fold(sessionTable, true)).toEqual(full);
  });

  it("an idle worker moves its snapshot to the stream's end once it has folded every event of its subject", async () => {
    const worker = new ProjectionWorker(nats.js, nats.jsm, artifactCatalog, testLog, { snapshots: { everyEvents: 50_000, everyMs: 200 } });
    const serving = worker.serve();
    try {
      // events of other subjects only: the artifact catalog has nothing to fold
      const { lastSeq } = await writeControlLog(nats, { ...shape, events: 500 });
      await expect.poll(async () => {
        const loaded = await loadSnapshot(nats.js, nats.jsm, artifactCatalog);
        return loaded.ok ? loaded.snapshot.lastSeq : 0;
      }, { timeout: 10_000, interval: 100 }).toBe(lastSeq);
      const host = new MemoryHost(nats.js, artifactCatalog, testLog, { snapshots: true });
      await host.start();
      await host.stop();
      expect(host.lastSeq).toBe(lastSeq);
      expect(host.state.size).toBe(0);
    } finally {
      worker.stop();
      await serving;
    }
  });
});
