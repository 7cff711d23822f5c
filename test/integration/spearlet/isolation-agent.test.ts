import { describe, expect, it } from "vitest";
import { useSpearlet } from "./agent-harness.js";

/**
 * Isolation through a real spearlet: a process function that tries to reach the suite's NATS
 * server on 127.0.0.1, and the node's health, which names what the machine cannot isolate.
 */
const node = useSpearlet("isolated1", { isolation: true });
const root = process.getuid?.() === 0;

/** A per-call JavaScript program that tries a TCP connection to `host:port` and answers how it went. */
const connectTo = (host: string, port: number) => `
process.stdin.resume();
process.stdin.on("end", () => {
  const s = require("net").connect(${port}, "${host}");
  const done = (what) => { s.destroy(); process.stdout.write(JSON.stringify(what)); };
  s.setTimeout(2000, () => done("timed out"));
  s.on("connect", () => done("connected"));
  s.on("error", (e) => done(e.code));
});`;

describe("spearlet agent: isolation", () => {
  it("says in its health what it cannot isolate on this machine (nothing, as root)", async () => {
    const health = await node.health();
    if (root) expect(health.isolationGaps).toEqual([]);
    else expect(health.isolationGaps.map((g) => g.runtime)).toContain("process");
    expect(node.spearlet.health().isolationGaps).toEqual(health.isolationGaps);
  });

  it.skipIf(!root)("keeps a process function off NATS unless its spec grants network", async () => {
    const { hostname, port } = new URL(node.server.url.replace(/^nats:/, "http:"));
    const command = ["node", "-e", connectTo(hostname, Number(port))];
    const denied = await node.deploy("no-net", { runtime: "process", mode: "per-call", command });
    const granted = await node.deploy("net", { runtime: "process", mode: "per-call", command, grants: { network: true } });
    const [d, g] = await Promise.all([(await node.assign("no-net", null, { version: denied })).result(), (await node.assign("net", null, { version: granted })).result()]);
    expect(d).toMatchObject({ status: "succeeded" });
    expect(d.output).toMatch(/^(ENETUNREACH|ECONNREFUSED|EADDRNOTAVAIL)$/);
    expect(g).toMatchObject({ status: "succeeded", output: "connected" });
  });
});
