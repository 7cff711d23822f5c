import type { ChildProcess } from "node:child_process";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { exited, spawnCli } from "../../support/cli.js";
import { useCluster } from "../../support/cluster.js";
import { eventually } from "../../support/nats.js";
import { SpearClient } from "../../../services/sdk/index.js";

const cluster = useCluster();
const children: ChildProcess[] = [];

beforeAll(async () => {
  await cluster.deploy("t-echo", { requirements: { services: ["echo"], labels: {} } });
  await cluster.spearlet("t-n1", 2, {}, { services: ["echo"] });
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.pid) process.kill(c.pid, "SIGKILL");
});

/** Starts `spear tail`, resolves once it follows; `out` collects stdout lines. */
async function tail(args: string[]) {
  const child = spawnCli(["tail", ...args, "--nats", cluster.servers.nats.url]);
  children.push(child);
  const out: string[] = [];
  let err = "";
  let partial = "";
  child.stdout!.on("data", (b: Buffer) => {
    const parts = (partial + b.toString()).split("\n");
    partial = parts.pop()!;
    out.push(...parts.filter(Boolean));
  });
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  await eventually(() => (err.includes("from now") ? true : undefined), 15_000);
  return { child, out, err: () => err };
}

describe("spear tail", () => {
  it("prints the events of all streams from now on as JSON lines, filtered like replay", async () => {
    const spear = await SpearClient.fromConnection(cluster.nats.nc);
    await spear.invoke("t-echo", "before", { invocationId: "t-before" });
    const all = await tail(["--json"]);
    const one = await tail(["--invocation", "t-live", "--json"]);
    const finished = await tail(["--type", "InvocationFinished"]);
    await spear.invoke("t-echo", "other", { invocationId: "t-other" });
    await spear.invoke("t-echo", "live", { invocationId: "t-live" });
    await cluster.deploy("t-later");

    const records = () => all.out.map((l) => JSON.parse(l) as { stream: string; type: string; data: { invocationId?: string } });
    await eventually(() => (records().some((r) => r.type === "FunctionVersionDeployed") ? true : undefined));
    const types = records().map((r) => `${r.stream} ${r.type}`);
    expect(types).toEqual(expect.arrayContaining(["SPEAR_INVOKE InvocationRequested", "SPEAR_ASSIGN InvocationAssigned", "SPEAR_RESULTS InvocationFinished", "SPEAR_EVENTS FunctionVersionDeployed"]));
    expect(records().some((r) => r.data.invocationId === "t-before")).toBe(false);
    expect(types.some((t) => t.startsWith("SPEAR_STATUS"))).toBe(false);

    await eventually(() => (one.out.length >= 3 ? true : undefined));
    const mine = one.out.map((l) => JSON.parse(l) as { type: string; data: { invocationId: string } });
    expect(mine.map((r) => r.type).sort()).toEqual(["InvocationAssigned", "InvocationFinished", "InvocationRequested"]);

    await eventually(() => (finished.out.length >= 2 ? true : undefined));
    expect(finished.out.every((l) => l.includes("InvocationFinished") && l.includes("SPEAR_RESULTS#"))).toBe(true);

    for (const t of [all, one, finished]) process.kill(t.child.pid!, "SIGTERM");
    expect(await Promise.all([all, one, finished].map((t) => exited(t.child)))).toEqual([0, 0, 0]);
  });

  it("refuses a stream that does not exist with one line", async () => {
    const child = spawnCli(["tail", "--stream", "NOPE", "--nats", cluster.servers.nats.url]);
    children.push(child);
    let err = "";
    child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    expect(await exited(child)).toBe(1);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toContain("[unknown_stream]");
  });
});
