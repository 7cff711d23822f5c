import { describe, expect, it } from "vitest";
import { useCluster } from "../../support/cluster.js";
import { eventually } from "../../support/nats.js";

const cluster = useCluster({ queueTimeout: 60_000 });

describe("scheduler across a NATS crash", () => {
  it("places calls again after nats-server is killed and restarted", async () => {
    await cluster.deploy("n-echo");
    await cluster.spearlet("n1", 2);
    expect((await cluster.invoke("n-echo", { input: "before" }, "n-before")).status).toBe("succeeded");
    await cluster.servers.nats.kill();
    await cluster.servers.nats.restart();
    const t0 = Date.now();
    const after = await eventually(() => cluster.invoke("n-echo", { input: "after" }, "n-after", 15_000), 60_000, 500);
    console.log("recovered after", Date.now() - t0, "ms");
    expect(after.status).toBe("succeeded");
  });
});
