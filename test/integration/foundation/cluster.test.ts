import getPort from "get-port";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { locateBinary } from "../../../infra/local/binaries.js";
import { NatsServer } from "../../../infra/local/nats-server.js";
import { infraFile } from "../../../infra/local/paths.js";
import { defaultStreamSettings, streamNames } from "../../../streams/catalog.js";
import { connectNats, type Nats } from "../../../streams/connection.js";
import { ensureStreams } from "../../../streams/ensure.js";
import { EventStore } from "../../../streams/event-store.js";
import { eventually } from "../../support/nats.js";

// The cluster config files are exercised as written, with ports moved to free ones.
describe.skipIf(!locateBinary("nats-server"))("3-node cluster from infra/nats/cluster", () => {
  const dir = mkdtempSync(join(tmpdir(), "spear-cluster-"));
  const servers: NatsServer[] = [];
  let nats: Nats;

  beforeAll(async () => {
    const clientPorts = [await getPort(), await getPort(), await getPort()];
    const routePorts = [await getPort(), await getPort(), await getPort()];
    for (let i = 0; i < 3; i++) {
      servers.push(
        new NatsServer({
          dataDir: join(dir, `n${i + 1}`),
          configFile: infraFile("nats", "cluster", `n${i + 1}.conf`),
          port: clientPorts[i]!,
          extraArgs: [
            "--cluster",
            `nats://127.0.0.1:${routePorts[i]}`,
            "--routes",
            routePorts.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`).join(","),
          ],
        }),
      );
    }
    await Promise.all(servers.map((s) => s.start()));
    nats = await connectNats({ url: servers.map((s) => s.url).join(","), name: "spear-cluster-test", longLived: true });
  });

  afterAll(async () => {
    await nats?.nc.close();
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates every stream with 3 replicas and keeps appending with one node down", async () => {
    const settings = { ...defaultStreamSettings, replicas: 3 };
    await eventually(async () => ((await ensureStreams(nats.jsm, settings)).length > 0 ? true : undefined), 30_000, 500);
    for (const name of Object.values(streamNames)) {
      const info = await nats.jsm.streams.info(name);
      expect(info.config.num_replicas).toBe(3);
      expect(info.cluster?.replicas ?? []).toHaveLength(2);
    }
    const store = new EventStore(nats.js, nats.jsm);
    const first = await store.append({ type: "node", id: "c1" }, [{ type: "NodeDrained", data: {} }], { expectedVersion: 0 });
    await servers[2]!.kill();
    const second = await eventually(
      () => store.append({ type: "node", id: "c1" }, [{ type: "NodeUndrained", data: {} }], { expectedVersion: first.version, eventIds: ["c1-undrained"] }),
      30_000,
      500,
    );
    // A read is made of direct gets, which any replica serves (allow_direct): one a step behind
    // the leader may answer with the version before the write for a moment.
    await eventually(async () => ((await store.read({ type: "node", id: "c1" })).version === second.version ? true : undefined), 10_000, 100);
  });
});
