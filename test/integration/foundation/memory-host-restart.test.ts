import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryHost } from "../../../projections/memory-host.js";
import type { Nats } from "../../../streams/connection.js";
import { connectTest, eventually, testLog } from "../../support/nats.js";
import { appendDrains, drainsPerNode } from "../../support/projections.js";
import { useServers } from "../../support/servers.js";

const servers = useServers({ nats: true });
let nats: Nats;
beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
});
afterAll(async () => nats?.nc.close());

describe("in-memory projection across a NATS crash", () => {
  it("goes on folding new events after nats-server is killed and restarted", async () => {
    const host = new MemoryHost(nats.js, drainsPerNode, testLog);
    await host.start();
    const before = await appendDrains(nats, 20, 2, "mh-");
    await eventually(() => (host.lastSeq >= before ? true : undefined));
    await servers.nats.kill();
    await servers.nats.restart();
    await eventually(async () => ((await nats.jsm.streams.info("SPEAR_EVENTS")).state.last_seq >= before ? true : undefined), 20_000, 200);
    const after = await appendDrains(nats, 20, 2, "mh-");
    await eventually(() => (host.lastSeq >= after ? true : undefined), 20_000);
    expect([...host.state.values()].reduce((n, d) => n + d.drains, 0)).toBe(40);
    await host.stop();
  });
});

describe("in-memory projection of a busy stream across a NATS crash", () => {
  it("keeps up with status reports published before, during and after the outage", async () => {
    const { nodeUsage } = await import("../../../projections/definitions/node-usage.js");
    const { publishStatusReport } = await import("../../../streams/status-reports.js");
    const host = new MemoryHost(nats.js, nodeUsage, testLog);
    await host.start();
    let seq = 0;
    let running = true;
    const publisher = (async () => {
      while (running && seq < 600) {
        await publishStatusReport(nats.js, "busy-node", {
          reportSeq: seq,
          at: new Date().toISOString(),
          usage: { cpuPercent: 1, memoryMb: 1, memoryPercent: 1, load1: 0, running: 0, slots: 1 },
          instances: [],
          transitions: [],
          outcomes: [],
          draining: false,
        }).then(
          () => seq++,
          () => undefined,
        );
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await eventually(() => (host.state.get("busy-node") ? true : undefined));
    await servers.nats.kill();
    await new Promise((r) => setTimeout(r, 500));
    await servers.nats.restart();
    const target = seq + 20;
    await eventually(() => (seq >= target ? true : undefined), 30_000, 100);
    await eventually(() => ((host.state.get("busy-node")?.reportSeq ?? -1) >= target - 1 ? true : undefined), 30_000, 100);
    running = false;
    await publisher;
    await host.stop();
  });
});
