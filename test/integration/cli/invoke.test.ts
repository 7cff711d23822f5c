import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../support/cli.js";
import { useCluster } from "../../support/cluster.js";
import { eventually } from "../../support/nats.js";

// Calls wait for capacity long enough for a test to look at them before a node can take them.
const cluster = useCluster({ queueTimeout: 30_000 });
const dir = mkdtempSync(join(tmpdir(), "spear-cli-invoke-"));
const cli = (args: string[], stdin?: string) => runCli([...args, "--nats", cluster.servers.nats.url], {}, 30_000, stdin);

beforeAll(async () => {
  await cluster.deploy("c-echo", { requirements: { services: ["echo"], labels: {} } });
  await cluster.spearlet("c-n1", 4, {}, { services: ["echo"] });
  await cluster.deploy("c-slow", { requirements: { services: ["slow"], labels: {} } });
  await cluster.spearlet("c-slow-node", 2, { runMs: 1_000 }, { services: ["slow"] });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (s: string) => s.trim().split("\n").filter(Boolean);

describe("spear invoke", () => {
  it("prints the output of --data JSON", async () => {
    const r = await cli(["invoke", "c-echo", "--data", '{"a":1}']);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ echo: { a: 1 } });
  });

  it("reads --data @file and stdin", async () => {
    const file = join(dir, "input.json");
    writeFileSync(file, JSON.stringify({ from: "file" }));
    const fromFile = await cli(["invoke", "c-echo", "--data", `@${file}`]);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ echo: { from: "file" } });
    const fromStdin = await cli(["invoke", "c-echo"], '{"from":"stdin"}\n');
    expect(fromStdin.code).toBe(0);
    expect(JSON.parse(fromStdin.stdout)).toMatchObject({ echo: { from: "stdin" } });
    const nothing = await cli(["invoke", "c-echo"]);
    expect(JSON.parse(nothing.stdout)).toMatchObject({ echo: null });
  });

  it("prints the whole result with --json, honouring --id, --session, --priority and --version", async () => {
    const r = await cli(["invoke", "c-echo", "--data", "[1]", "--id", "c-json-1", "--session", "c-s1", "--priority", "4", "--version", "1", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ invocationId: "c-json-1", function: "c-echo", version: 1, status: "succeeded", output: { echo: [1] } });
  });

  it("--async prints the id at once; invocations get shows the result when done", async () => {
    // No node offers "later" yet, so the call waits for capacity until one comes.
    await cluster.deploy("c-later", { requirements: { services: ["later"], labels: {} } });
    const r = await cli(["invoke", "c-later", "--data", '"later"', "--async"]);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]*$/);
    const early = await cli(["invocations", "get", id]);
    expect(early.code).toBe(0);
    expect(early.stdout).toContain(`no result for ${id} yet`);
    await cluster.spearlet("c-later-node", 1, {}, { services: ["later"] });
    const done = await eventually(async () => {
      const g = await cli(["invocations", "get", id, "--json"]);
      const parsed = JSON.parse(g.stdout) as { status?: string };
      return parsed.status ? parsed : undefined;
    }, 15_000, 200);
    expect(done).toMatchObject({ invocationId: id, status: "succeeded", output: { echo: "later" } });
    const table = await cli(["invocations", "get", id]);
    expect(table.stdout).toContain("succeeded");
    expect(table.stdout).toContain("c-later-node");
  });

  it("says plainly when an id has no result", async () => {
    const r = await cli(["invocations", "get", "c-unknown", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ invocationId: "c-unknown", found: false });
  });

  it("fails with one line and a non-zero exit for a non-succeeded status", async () => {
    const r = await cli(["invoke", "c-missing", "--data", "1", "--id", "c-missing-1"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toEqual(["error: invocation c-missing-1 of c-missing was rejected: no function 'c-missing' is deployed [function_not_found]"]);
    const json = await cli(["invoke", "c-missing", "--data", "1", "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: "rejected", error: { code: "function_not_found" } });
    expect(lines(json.stderr)).toHaveLength(1);
  });

  it("fails with one line for bad input", async () => {
    const cases: string[][] = [
      ["invoke", "c-echo", "--data", "{not json"],
      ["invoke", "c-echo", "--data", "@/nonexistent/input.json"],
      ["invoke", "c-echo", "--data", "1", "--priority", "12"],
      ["invoke", "c-echo", "--data", "1", "--timeout", "soon"],
      ["invoke", "c-echo", "--data", "1", "--wait", "soon"],
      ["invoke", "c-echo", "--data", "1", "--id", "bad.id"],
      ["invoke", "bad.name", "--data", "1"],
      ["invocations", "ls", "--status", "weird"],
    ];
    for (const args of cases) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(lines(r.stderr), args.join(" ")).toHaveLength(1);
      expect(r.stderr, args.join(" ")).toMatch(/^error: /);
    }
    const notJson = await cli(["invoke", "c-echo", "--data", "{not json"]);
    expect(notJson.stderr).toContain("[invalid_argument]");
  });

  it("gives up waiting after --wait with the id to ask for later", async () => {
    const r = await cli(["invoke", "c-slow", "--data", "1", "--id", "c-wait-1", "--wait", "200"]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain("c-wait-1");
    expect(r.stderr).toContain("[timeout]");
  });
});

describe("spear invocations ls", () => {
  it("lists the most recent results, newest first, filtered by function and status, up to --limit", async () => {
    for (const id of ["c-ls-1", "c-ls-2", "c-ls-3"]) expect((await cli(["invoke", "c-echo", "--data", "1", "--id", id])).code).toBe(0);
    const recent = await cli(["invocations", "ls", "--function", "c-echo", "--limit", "2", "--json"]);
    expect(recent.code).toBe(0);
    expect(lines(recent.stdout).map((l) => (JSON.parse(l) as { invocationId: string }).invocationId)).toEqual(["c-ls-3", "c-ls-2"]);
    const rejected = await cli(["invocations", "ls", "--status", "rejected", "--json"]);
    const statuses = lines(rejected.stdout).map((l) => (JSON.parse(l) as { status: string; function: string }));
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s.status === "rejected")).toBe(true);
    const table = await cli(["invocations", "ls", "--function", "c-echo", "--limit", "1"]);
    expect(table.stdout).toContain("c-ls-3");
    expect(table.stdout).not.toContain("c-ls-2");
  });
});
