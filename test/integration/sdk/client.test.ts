import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { subjects } from "../../../domain/subjects.js";
import { InvocationFailedError, SpearClient, SpearError, type InvocationEvent } from "../../../services/sdk/index.js";
import { streamNames } from "../../../streams/catalog.js";
import { readStream } from "../../../streams/reader.js";
import { useCluster } from "../../support/cluster.js";
import { eventually } from "../../support/nats.js";

const cluster = useCluster({ queueTimeout: 5_000 });
let spear: SpearClient;

beforeAll(async () => {
  spear = await SpearClient.connect({ url: cluster.servers.nats.url, name: "sdk-test" });
  // Each function requires its own service, so each runs on the nodes meant for it.
  await cluster.deploy("s-echo", { requirements: { services: ["echo"], labels: {} } });
  await cluster.spearlet("s-n1", 4, {}, { services: ["echo"] });
  await cluster.deploy("s-slow", { requirements: { services: ["slow"], labels: {} } });
  await cluster.spearlet("s-slow-node", 2, { runMs: 1_500 }, { services: ["slow"] });
});
afterAll(async () => spear?.close());

async function storedResults(id: string): Promise<number> {
  let n = 0;
  for await (const _ of readStream(cluster.nats.js, streamNames.results, { filter: subjects.result(id) })) n++;
  return n;
}

async function caught(p: Promise<unknown>): Promise<SpearError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof SpearError)) throw new Error(`expected a SpearError, got ${String(e)}`);
  return e;
}

describe("SDK: invoke", () => {
  it("resolves with the function's output", async () => {
    const output = await spear.invoke<{ echo: unknown }>("s-echo", { hello: "world" });
    expect(output.echo).toEqual({ hello: "world" });
  });

  it("gives the whole result with invokeForResult", async () => {
    const r = await spear.invokeForResult("s-echo", [1, 2], { invocationId: "s-full-1", priority: 3 });
    expect(r).toMatchObject({ invocationId: "s-full-1", function: "s-echo", status: "succeeded", attempts: 1, nodeId: "s-n1" });
    expect(r.timings.totalMs).toBeGreaterThanOrEqual(0);
  });

  it("puts the request on the wire with the names it has there: timeoutMs is the run limit, the wait stays with the caller", async () => {
    const id = await spear.submit("s-echo", "x", { invocationId: "s-shape-1", timeoutMs: 1_234, priority: 2, routingKey: "k" });
    const last = await cluster.nats.jsm.direct.getMessage(streamNames.invoke, { last_by_subj: subjects.invoke("s-echo") });
    expect(last?.header?.get("Nats-Msg-Id")).toBe(id);
    expect(last?.json()).toEqual({ input: "x", timeoutMs: 1_234, priority: 2, routingKey: "k" });
    await spear.result(id, { waitMs: 10_000 });
  });

  it("surfaces a rejection (unknown function) as a typed error with the server's code and the result", async () => {
    const e = await caught(spear.invoke("s-nope", 1, { invocationId: "s-nope-1" }));
    expect(e).toBeInstanceOf(InvocationFailedError);
    expect(e.code).toBe("function_not_found");
    const failed = e as InvocationFailedError;
    expect(failed.status).toBe("rejected");
    expect(failed.result).toMatchObject({ invocationId: "s-nope-1", status: "rejected", attempts: 0 });
    expect(e.details).toMatchObject({ invocationId: "s-nope-1", status: "rejected" });
  });

  it("refuses bad arguments before anything is sent", async () => {
    expect((await caught(spear.invoke("bad name", 1))).code).toBe("invalid_argument");
    expect((await caught(spear.invoke("s-echo", 1, { priority: 12 }))).code).toBe("invalid_argument");
    expect((await caught(spear.submit("s-echo", 1, { invocationId: "has.dot" }))).code).toBe("invalid_argument");
  });

  it("stops waiting on AbortSignal without cancelling the invocation", async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const e = await caught(spear.invoke("s-slow", "x", { invocationId: "s-abort-1", signal: abort.signal }));
    expect(e.code).toBe("cancelled");
    expect(e.details).toMatchObject({ invocationId: "s-abort-1" });
    expect(await spear.result("s-abort-1")).toBeUndefined();
    const r = await spear.result("s-abort-1", { waitMs: 15_000 });
    expect(r).toMatchObject({ status: "succeeded", output: { echo: "x" } });
  });

  it("answers timeout when the result does not come within waitMs; the invocation goes on", async () => {
    const e = await caught(spear.invoke("s-slow", "y", { invocationId: "s-wait-1", waitMs: 300 }));
    expect(e.code).toBe("timeout");
    expect(e.details).toMatchObject({ invocationId: "s-wait-1" });
    expect(await spear.result("s-wait-1", { waitMs: 15_000 })).toMatchObject({ status: "succeeded" });
  });

  it("waits for an earlier submit's result when the same id is invoked again", async () => {
    const first = spear.invoke("s-slow", "dup", { invocationId: "s-again-1" });
    const second = spear.invoke("s-slow", "dup", { invocationId: "s-again-1" });
    const [a, b] = await Promise.all([first, second]);
    expect(b).toEqual(a);
    expect(await storedResults("s-again-1")).toBe(1);
  });
});

describe("SDK: submit, result, watch", () => {
  it("submits without waiting and reads the result by id", async () => {
    const id = await spear.submit("s-echo", { n: 1 });
    expect(await spear.result(id, { waitMs: 10_000 })).toMatchObject({ invocationId: id, status: "succeeded", output: { echo: { n: 1 } } });
    expect(await spear.result(id)).toMatchObject({ invocationId: id });
    expect(await spear.result("s-never-submitted")).toBeUndefined();
  });

  it("treats the same id submitted twice as one invocation with one result", async () => {
    const sim = await cluster.spearlet("s-dup-node", 1, {}, { services: ["dup"] });
    await cluster.deploy("s-dup", { requirements: { services: ["dup"], labels: {} } });
    expect(await spear.submit("s-dup", 1, { invocationId: "s-dup-1" })).toBe("s-dup-1");
    expect(await spear.submit("s-dup", 1, { invocationId: "s-dup-1" })).toBe("s-dup-1");
    await spear.result("s-dup-1", { waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.assignments.filter((a) => a.invocationId === "s-dup-1")).toHaveLength(1);
    expect(await storedResults("s-dup-1")).toBe(1);
  });

  it("watch yields the invocation's events live, ending with the final result", async () => {
    const id = "s-watch-1";
    const events: InvocationEvent[] = [];
    const watching = (async () => {
      for await (const e of spear.watch(id, { waitMs: 15_000 })) events.push(e);
    })();
    await new Promise((r) => setTimeout(r, 300));
    await spear.submit("s-slow", { w: 1 }, { invocationId: id });
    await watching;
    const types = events.map((e) => e.type);
    // On a busy machine a node may refuse an attempt (saturated) and hand it back: the watch then
    // shows the retry and the next assignment too, in order, still ending with the one result.
    expect(types[0]).toBe("InvocationRequested");
    expect(types.at(-1)).toBe("InvocationFinished");
    const middle = types.slice(1, -1);
    expect(middle[0]).toBe("InvocationAssigned");
    middle.forEach((t, i) => expect(t).toBe(i % 2 === 0 ? "InvocationAssigned" : "InvocationRetryRequested"));
    expect(events.at(-1)!.data).toMatchObject({ invocationId: id, status: "succeeded" });
  });

  it("watch of a finished invocation gives its history and ends", async () => {
    await spear.invoke("s-echo", 5, { invocationId: "s-watch-done" });
    const types: (string | null)[] = [];
    for await (const e of spear.watch("s-watch-done")) types.push(e.type);
    expect(types).toEqual(["InvocationRequested", "InvocationAssigned", "InvocationFinished"]);
  });

  it("watch shows a retry on another node, in order", async () => {
    const flaky = await cluster.spearlet("s-flaky", 1, { failRetryably: true }, { services: ["retry"] });
    await cluster.deploy("s-retry", { requirements: { services: ["retry"], labels: {} } });
    const id = "s-watch-retry";
    await spear.submit("s-retry", "r", { invocationId: id });
    await eventually(() => (flaky.assignments.some((a) => a.invocationId === id) ? true : undefined));
    const events: InvocationEvent[] = [];
    const watching = (async () => {
      for await (const e of spear.watch(id, { waitMs: 20_000 })) events.push(e);
    })();
    await cluster.spearlet("s-steady", 1, {}, { services: ["retry"] });
    await watching;
    // Each attempt is assigned, then retried or finished, in order. The flaky node fails every
    // attempt; when the steady one takes long to come into view, the flaky one may be tried
    // again meanwhile (after half the queue timeout), so the number of attempts may vary.
    const types = events.map((e) => e.type);
    const attempts = (types.length - 1) / 2;
    expect(types).toEqual([
      "InvocationRequested",
      ...Array.from({ length: attempts - 1 }, () => ["InvocationAssigned", "InvocationRetryRequested"]).flat(),
      "InvocationAssigned",
      "InvocationFinished",
    ]);
    expect(events[1]!.data).toMatchObject({ nodeId: "s-flaky", attempt: 1 });
    expect(events.at(-2)!.data).toMatchObject({ nodeId: "s-steady", attempt: attempts });
    expect(events.at(-1)!.data).toMatchObject({ status: "succeeded", attempts, nodeId: "s-steady" });
  });

  it("watch stops with cancelled on AbortSignal and timeout on waitMs", async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const iterate = async (o: { signal?: AbortSignal; waitMs?: number }) => {
      for await (const _ of spear.watch("s-watch-never", o)) void _;
    };
    expect((await caught(iterate({ signal: abort.signal }))).code).toBe("cancelled");
    expect((await caught(iterate({ waitMs: 200 }))).code).toBe("timeout");
  });
});

describe("SDK: deploy, nodes, functions, invocations", () => {
  const echoWasm = join(import.meta.dirname, "..", "..", "..", "examples", "echo", "build", "echo.wasm");

  it("deploys a WebAssembly module from bytes or a path, uploading it once", async () => {
    const bytes = readFileSync(echoWasm);
    const first = await spear.deploy("s-wasm", { wasm: new Uint8Array(bytes), memoryMb: 64, minWarm: 1 });
    expect(first).toMatchObject({ version: 1, created: true, uploaded: true });
    expect(first.artifact?.size).toBe(bytes.length);
    const again = await spear.deploy("s-wasm", { wasm: echoWasm, memoryMb: 64, minWarm: 1 });
    expect(again).toMatchObject({ version: 1, created: false, uploaded: false });
    expect(again.artifact?.sha256).toBe(first.artifact?.sha256);
  });

  it("deploys a process command and a container image with options", async () => {
    const p = await spear.deploy("s-proc", { process: "node worker.js --fast", env: { A: "1" }, timeoutMs: 5_000, requires: { services: ["gpu"] } });
    const spec = p.function.versions.at(-1)!.spec;
    expect(spec).toMatchObject({ runtime: "process", command: ["node", "worker.js", "--fast"], env: { A: "1" }, limits: { timeoutMs: 5_000 } });
    expect(spec.requirements.services).toEqual(["gpu"]);
    const c = await spear.deploy("s-image", { image: "alpine:3", mode: "per-call", activate: false });
    expect(c.function.activeVersion).toBeNull();
    expect((await caught(spear.deploy("s-bad", { image: "x", process: "y" }))).code).toBe("invalid_argument");
  });

  it("lists nodes and functions", async () => {
    const nodes = await spear.nodes();
    expect(nodes.map((n) => n.id)).toEqual(expect.arrayContaining(["s-n1", "s-slow-node"]));
    const fns = await spear.functions();
    expect(fns.map((f) => f.name)).toEqual(expect.arrayContaining(["s-echo", "s-wasm", "s-proc"]));
  });

  it("lists recent results newest first, filtered", async () => {
    await spear.invoke("s-echo", "a", { invocationId: "s-list-1" });
    await spear.invoke("s-echo", "b", { invocationId: "s-list-2" });
    const recent = await spear.invocations({ function: "s-echo", limit: 2 });
    expect(recent.items.map((r) => r.invocationId)).toEqual(["s-list-2", "s-list-1"]);
    const rejected = await spear.invocations({ status: "rejected" });
    expect(rejected.items.length).toBeGreaterThan(0);
    expect(rejected.items.every((r) => r.status === "rejected")).toBe(true);
  });

  it("leaves a connection it did not open open", async () => {
    const wrapped = await SpearClient.fromConnection(cluster.nats.nc);
    expect(await wrapped.invoke("s-echo", 7)).toMatchObject({ echo: 7 });
    await wrapped.close();
    expect(cluster.nats.nc.isClosed()).toBe(false);
  });
});
