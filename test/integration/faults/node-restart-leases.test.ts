import { describe, expect, it } from "vitest";
import { LeaseStore } from "../../../services/leases/lease-store.js";
import { eventually, testLog } from "../../support/nats.js";
import { useFaultCluster } from "./fault-harness.js";

/**
 * A node's previous process may leave running leases that no delivery brings back to its next
 * process (their assignments counted as acknowledged, as after nats-server lost a consumer's
 * state): they would hold the node's slots until they run out. The next process gives them up
 * at its start, for the reaper to retry their calls.
 */
const cluster = useFaultCluster();

describe("a node restarted with leases of its previous process left running", () => {
  it("gives them up at its start and takes new work at once", async () => {
    await cluster.deploy("left-sleepy");
    cluster.scheduler();
    const leases = new LeaseStore({ url: cluster.servers.redis.url, log: testLog });
    try {
      await leases.ready();
      // The scheduler makes the lease state when it starts.
      await eventually(async () => ((await leases.epoch()) !== null ? true : undefined), 20_000);
      // The previous process of node left-1 (1 slot) committed a call that runs for another 10 minutes.
      const r = await leases.reserve("left-1", 1, { invocationId: "left-old", attempt: 1, ttlMs: 60_000, requestSeq: 1, stallMs: 0 });
      if (!r.ok) throw new Error("no lease for the previous process");
      await leases.commit(r.lease.token, 600_000);

      const startedAt = Date.now();
      cluster.spearlet("left-1", 1);
      await cluster.online("left-1");
      const next = await cluster.call("left-sleepy", { input: { echo: "next" } }, "left-next");
      expect(await next.result(30_000)).toMatchObject({ status: "succeeded", output: "next", nodeId: "left-1" });
      // A slot held until the old lease ran out would take 10 minutes.
      expect(Date.now() - startedAt).toBeLessThan(30_000);
      // The caller's reply comes before the node releases the new call's lease: the old one is gone too.
      await eventually(async () => ((await leases.counters(["left-1"])).get("left-1")?.running === 0 ? true : undefined), 10_000);
    } finally {
      await leases.close();
    }
  }, 60_000);
});
