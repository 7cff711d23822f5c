import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Nats } from "../../../streams/connection.js";
import { EventStore } from "../../../streams/event-store.js";
import { exited, runCli, spawnCli } from "../../support/cli.js";
import { connectTest, eventually } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

const servers = useServers({ nats: true });
let nats: Nats;
let store: EventStore;
let between: string;
let total = 0;

const cli = (...args: string[]) => runCli([...args, "--nats", servers.nats.url]);
const lines = (out: string) => out.split("\n").filter((l) => l.trim().length > 0);

beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
  store = new EventStore(nats.js, nats.jsm);
  for (let i = 0; i < 5; i++) {
    await store.append({ type: "node", id: `r${i}` }, [{ type: "NodeRegistered", data: { name: `r${i}`, capabilities: { runtimes: ["wasm"], services: [], languages: [], labels: {} }, capacity: { slots: 2 } } }], {
      expectedVersion: 0,
    });
  }
  await new Promise((r) => setTimeout(r, 50));
  between = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 3; i++) await store.append({ type: "node", id: `r${i}` }, [{ type: "NodeDrained", data: {} }], { expectedVersion: "any" });
  total = 8;
});
afterAll(async () => nats?.nc.close());

describe("spear replay", () => {
  it("prints one parseable JSON object per event with --json", async () => {
    const r = await cli("replay", "--subject", "spear.evt.>", "--json");
    expect(r.code).toBe(0);
    const records = lines(r.stdout).map((l) => JSON.parse(l));
    expect(records).toHaveLength(total);
    expect(records[0]).toMatchObject({
      stream: "SPEAR_EVENTS",
      seq: 1,
      subject: "spear.evt.node.r0",
      type: "NodeRegistered",
      aggregate: { type: "node", id: "r0" },
      data: { name: "r0" },
    });
    expect(records[0].headers["Spear-Event-Type"]).toBe("NodeRegistered");
    expect(typeof records[0].time).toBe("string");
  });

  it("filters by --type, --from-seq, --to-seq and --since", async () => {
    const drained = lines((await cli("replay", "--subject", "spear.evt.>", "--json", "--type", "NodeDrained")).stdout).map((l) => JSON.parse(l));
    expect(drained.map((d) => d.type)).toEqual(["NodeDrained", "NodeDrained", "NodeDrained"]);
    const fromSeq = lines((await cli("replay", "--stream", "SPEAR_EVENTS", "--json", "--from-seq", "4", "--to-seq", "6")).stdout).map((l) => JSON.parse(l));
    expect(fromSeq.map((d) => d.seq)).toEqual([4, 5, 6]);
    const since = lines((await cli("replay", "--json", "--since", between)).stdout).map((l) => JSON.parse(l));
    expect(since.map((d) => d.type)).toEqual(["NodeDrained", "NodeDrained", "NodeDrained"]);
    const lastHour = lines((await cli("replay", "--json", "--since", "1h")).stdout);
    expect(lastHour).toHaveLength(total);
    const oneNode = lines((await cli("replay", "--json", "--node", "r1")).stdout).map((l) => JSON.parse(l));
    expect(oneNode.map((d) => d.type)).toEqual(["NodeRegistered", "NodeDrained"]);
  });

  it("prints readable lines by default", async () => {
    const r = await cli("replay", "--type", "NodeRegistered");
    expect(lines(r.stdout)).toHaveLength(5);
    expect(lines(r.stdout)[0]).toMatch(/SPEAR_EVENTS#1 {2}NodeRegistered {2}node\/r0 {2}\{"name":"r0"/);
  });

  it("keeps printing new events with --follow", async () => {
    const child = spawnCli(["replay", "--subject", "spear.evt.node.>", "--json", "--follow", "--nats", servers.nats.url]);
    let out = "";
    child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
    try {
      await eventually(() => (lines(out).length >= total ? true : undefined));
      await store.append({ type: "node", id: "late" }, [{ type: "NodeDrained", data: { reason: "late" } }], { expectedVersion: 0 });
      const late = await eventually(() => lines(out).map((l) => JSON.parse(l)).find((r) => r.aggregate?.id === "late"));
      expect(late.data).toEqual({ reason: "late" });
    } finally {
      child.kill("SIGINT");
      await exited(child);
    }
  });

  it("stops quietly when the reader of its output goes away (spear replay | head)", async () => {
    const child = spawnCli(["replay", "--subject", "spear.evt.node.>", "--json", "--follow", "--nats", servers.nats.url]);
    let err = "";
    child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    const first = await new Promise<string>((resolve) => child.stdout!.once("data", (b: Buffer) => resolve(b.toString())));
    child.stdout!.destroy();
    // The next event it prints meets the closed pipe.
    await store.append({ type: "node", id: "piped" }, [{ type: "NodeDrained", data: {} }], { expectedVersion: 0 });
    expect(await exited(child)).toBe(0);
    expect(JSON.parse(first.split("\n")[0]!)).toMatchObject({ seq: 1 });
    expect(err).toBe("");
  });

  it("names the problem in one line and exits non-zero on bad input", async () => {
    const cases: [string[], RegExp][] = [
      [["replay", "--stream", "NOPE"], /no stream named 'NOPE'/],
      [["replay", "--since", "yesterday"], /'yesterday' is neither a duration/],
      [["replay", "--from-seq", "-3"], /'-3' is not a positive integer/],
      [["replay", "--subject", "nothing.here"], /no single stream covers subject 'nothing.here'/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(lines(r.stderr), args.join(" ")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    const unreachable = await runCli(["replay", "--nats", "nats://127.0.0.1:1"]);
    expect(unreachable.code).not.toBe(0);
    expect(lines(unreachable.stderr)).toHaveLength(1);
    expect(unreachable.stderr).toMatch(/cannot reach NATS at nats:\/\/127.0.0.1:1/);
  });
});
