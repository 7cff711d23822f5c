import { describe, expect, it } from "vitest";
import { sessionLastNode } from "../../../projections/definitions/session-last-node.js";
import { MemoryHost } from "../../../projections/memory-host.js";
import { loadDocuments, openReadModel } from "../../../projections/read-model.js";
import { rebuildProjection } from "../../../projections/rebuild.js";
import { useCluster } from "../../support/cluster.js";
import { eventually, testLog } from "../../support/nats.js";

const cluster = useCluster();

describe("scheduler: sessions", () => {
  it("binds a session once and spreads its calls when asked; the session-last-node projection rebuilds equal", async () => {
    await cluster.deploy("s-fn");
    await cluster.spearlet("s1", 4);
    await cluster.spearlet("s2", 4);
    const nodes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await cluster.invoke("s-fn", { input: i, sessionId: "sess-1", spread: true }, `s-inv-${i}`);
      expect(r.status).toBe("succeeded");
      nodes.push(r.nodeId!);
    }
    // With spread, consecutive calls of the session avoid the node of the previous one.
    for (let i = 1; i < nodes.length; i++) expect(nodes[i]).not.toBe(nodes[i - 1]);

    const live = new MemoryHost(cluster.nats.js, sessionLastNode, testLog);
    await live.start();
    await eventually(() => (live.state.get("sess-1")?.invocationId === "s-inv-5" ? true : undefined));
    await rebuildProjection(cluster.nats.js, cluster.nats.jsm, sessionLastNode, testLog);
    const rebuilt = await loadDocuments(await openReadModel(cluster.nats.js, sessionLastNode, 1));
    expect([...rebuilt]).toEqual([...live.state]);
    expect(live.state.get("sess-1")?.nodeId).toBe(nodes.at(-1));
    await live.stop();
  });
});

describe("scheduler: session affinity through pools", () => {
  it("binds a session's pool once, keeps it while the pair holds, and rebinds when the pair changes", async () => {
    const { api } = await import("../../../domain/api/registry.js");
    const { smsRequest } = await import("../../../services/api/client.js");
    const { EventStore } = await import("../../../streams/event-store.js");
    await smsRequest(cluster.nats.nc, api.pools.apply, {
      pools: [
        { id: "p-enzh", name: "en-zh", languages: { anyToAny: false, sources: [], targets: [], pairs: [{ source: "en", target: "zh" }], blocked: [] } },
        { id: "p-enja", name: "en-ja", languages: { anyToAny: false, sources: [], targets: [], pairs: [{ source: "en", target: "ja" }], blocked: [] } },
      ],
    });
    await cluster.spearlet("t-zh", 2, {}, { languages: ["en", "zh"] });
    await cluster.spearlet("t-ja", 2, {}, { languages: ["en", "ja"] });
    await cluster.deploy("t-fn");
    const zh = { source: "en", target: "zh" };
    const ja = { source: "en", target: "ja" };
    const call = (i: number, langPair: typeof zh) => cluster.invoke("t-fn", { input: i, sessionId: "sess-t", langPair }, `t-inv-${i}`);

    expect(await call(1, zh)).toMatchObject({ status: "succeeded", nodeId: "t-zh" });
    expect(await call(2, zh)).toMatchObject({ status: "succeeded", nodeId: "t-zh" });
    expect(await call(3, ja)).toMatchObject({ status: "succeeded", nodeId: "t-ja" });

    const { events } = await new EventStore(cluster.nats.js, cluster.nats.jsm).read({ type: "session", id: "sess-t" });
    expect(events.map((e) => [e.type, (e.data as { poolId: string }).poolId])).toEqual([
      ["SessionBound", "p-enzh"],
      ["SessionRebound", "p-enja"],
    ]);
  });
});
