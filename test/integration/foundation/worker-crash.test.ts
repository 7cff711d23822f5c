import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventCounts } from "../../../projections/definitions/event-counts.js";
import { eventCounts } from "../../../projections/definitions/event-counts.js";
import { openReadModel, readCheckpoint, readJson } from "../../../projections/read-model.js";
import { streamNames } from "../../../streams/catalog.js";
import type { Nats } from "../../../streams/connection.js";
import { exited, spawnCli } from "../../support/cli.js";
import { connectTest, eventually } from "../../support/nats.js";
import { appendDrains } from "../../support/projections.js";
import { useServers } from "../../support/servers.js";

const servers = useServers({ nats: true });
let nats: Nats;

beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
});
afterAll(async () => nats?.nc.close());

const startWorker = () => spawnCli(["projections", "run", "event-counts", "--nats", servers.nats.url, "--log-level", "error", "--lock-ttl", "2s"]);

describe("projection worker crash", () => {
  it("resumes from its checkpoint after kill -9 without applying any event twice", async () => {
    const kv = await openReadModel(nats.js, eventCounts, 1);
    await appendDrains(nats, 5_000, 100, "a");
    let worker = startWorker();
    // Keep appending while the worker runs, so the kill lands in the middle of its work.
    let appending = true;
    const writer = (async () => {
      for (let round = 0; appending && round < 200; round++) await appendDrains(nats, 250, 50, `w${round}-`);
    })();
    try {
      const mid = await eventually(async () => {
        const cp = await readCheckpoint(kv);
        return cp > 5_000 ? cp : undefined;
      }, 30_000, 20);
      worker.kill("SIGKILL");
      await exited(worker);
      expect(mid).toBeGreaterThan(5_000);
      worker = startWorker();
      await new Promise((r) => setTimeout(r, 500));
      appending = false;
      await writer;
      const last = (await nats.jsm.streams.info(streamNames.events)).state.last_seq;
      await eventually(async () => ((await readCheckpoint(kv)) >= last ? true : undefined), 30_000);
      const totals = (await readJson<EventCounts>(kv, "totals"))!.value;
      expect(totals.lastSeq).toBe(last);
      expect(totals.total).toBe(last);
      expect(totals.byType).toEqual({ NodeDrained: last });
    } finally {
      appending = false;
      await writer;
      worker.kill("SIGTERM");
      await exited(worker);
    }
  });
});
