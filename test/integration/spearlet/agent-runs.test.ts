import { describe, expect, it } from "vitest";
import type { InvocationFinished } from "../../../domain/events/invocation.js";
import { subjects } from "../../../domain/subjects.js";
import { getResult } from "../../../streams/invocations/results.js";
import { streamNames } from "../../../streams/catalog.js";
import { eventually } from "../../support/nats.js";
import { useSpearlet } from "./agent-harness.js";
import { exampleWasm, GROW_UNTIL_REFUSED, LOOP_FOREVER, openFile, PRINT_ENV, wasm } from "./wasm-fixtures.js";

/**
 * A real spearlet agent against a real nats-server, redis-server and control plane, with the
 * test acting as the scheduler: WASM and process functions, timeouts, memory and file-system
 * limits, the shared compiled module, and the node's stats and health verbs.
 */
const node = useSpearlet("runner1");

/** How many messages the result subject of an invocation holds. */
async function resultCount(invocationId: string): Promise<number> {
  const info = await node.nats.jsm.streams.info(streamNames.results, { subjects_filter: subjects.result(invocationId) });
  return Object.values(info.state.subjects ?? {}).reduce((n, c) => n + c, 0);
}

describe("spearlet agent: running functions", () => {
  it("runs the echo and wordcount WASM examples and a JavaScript process function, each result recorded once and replied once", async () => {
    const echo = await node.deployWasm("echo", exampleWasm("echo"));
    const wordcount = await node.deployWasm("wordcount", exampleWasm("wordcount"));
    const wc = await node.deploy("wc", { runtime: "process", command: ["node", "examples/process-js/wc.js"] });

    const calls = await Promise.all([
      node.assign("echo", { hello: "world", n: [1, 2, 3] }, { version: echo }),
      node.assign("wordcount", "the quick brown fox\njumps over the lazy dog", { version: wordcount }),
      node.assign("wc", { text: "the cat and the hat", top: 2 }, { version: wc }),
    ]);
    const [e, w, p] = (await Promise.all(calls.map((c) => c.result()))) as [InvocationFinished, InvocationFinished, InvocationFinished];
    expect(e).toMatchObject({ status: "succeeded", output: { hello: "world", n: [1, 2, 3] }, nodeId: "runner1", attempts: 1, function: "echo", version: echo });
    expect(w).toMatchObject({ status: "succeeded", output: { bytes: 43, chars: 43, words: 9, lines: 1, crc32: 1005346783 } });
    expect(p).toMatchObject({
      status: "succeeded",
      output: { lines: 1, words: 5, chars: 19, bytes: 19, unique: 4, topWords: [{ word: "the", count: 2 }, { word: "and", count: 1 }] },
    });
    for (const r of [e, w, p]) {
      expect(r.timings.assignedAt).toBeDefined();
      expect(Date.parse(r.timings.startedAt!)).toBeLessThanOrEqual(Date.parse(r.timings.finishedAt));
      expect(r.timings.totalMs).toBeGreaterThanOrEqual(r.timings.runMs!);
    }

    // On the result subject once; at the reply subject once (give a duplicate time to show up).
    await new Promise((r) => setTimeout(r, 300));
    for (const c of calls) {
      expect(await getResult(node.nats.jsm, c.invocationId)).toMatchObject({ invocationId: c.invocationId, status: "succeeded" });
      expect(await resultCount(c.invocationId)).toBe(1);
      expect(c.replies).toHaveLength(1);
    }
    // The slot is free again.
    expect((await node.leases.counters(["runner1"])).get("runner1")).toEqual({ reserved: 0, running: 0 });
  });

  it("stops an endless loop at its timeout (timed_out) and keeps serving", async () => {
    const loop = await node.deployWasm("spin", await wasm(LOOP_FOREVER));
    const echo = await node.deployWasm("echo", exampleWasm("echo"));
    const spinning = await node.assign("spin", {}, { version: loop, timeoutMs: 300 });
    const alongside = await node.assign("echo", { still: "here" }, { version: echo });
    expect(await alongside.result()).toMatchObject({ status: "succeeded", output: { still: "here" } });
    const r = await spinning.result();
    expect(r).toMatchObject({ status: "timed_out", error: { code: "timeout" } });
    expect((await node.outcomeOf(spinning.invocationId)).status).toBe("timed_out");
    // The broken instance was replaced: the function and the node serve on.
    const again = await node.assign("spin", {}, { version: loop, timeoutMs: 200 });
    expect(await again.result()).toMatchObject({ status: "timed_out" });
    expect(await (await node.assign("echo", 7, { version: echo })).result()).toMatchObject({ status: "succeeded", output: 7 });
  });

  it("fails a memory hog with memory_limit_exceeded and a file open without a grant with permission_denied", async () => {
    const hog = await node.deployWasm("hog", await wasm(GROW_UNTIL_REFUSED), { limits: { memoryMb: 2 } });
    const snoop = await node.deployWasm("snoop", await wasm(openFile("data.json")));
    const [h, f] = await Promise.all([node.assign("hog", {}, { version: hog }), node.assign("snoop", {}, { version: snoop })]);
    expect(await h.result()).toMatchObject({ status: "failed", error: { code: "memory_limit_exceeded" } });
    const denied = await f.result();
    expect(denied).toMatchObject({ status: "failed", error: { code: "permission_denied" } });
    expect(denied.error?.message).toMatch(/no file system access is granted/);
  });

  it("shares one fetched and compiled module between the instances of a function and across its versions", async () => {
    // A module no other test of this suite uses, so the cache's counters move for it alone.
    const bytes = await wasm(PRINT_ENV);
    const before = await node.stats();
    const v1 = await node.deployWasm("shared", bytes, { scaling: { minWarm: 2 } });
    await eventually(() => (node.transitions().filter((t) => t.function === "shared" && t.version === v1 && t.to === "Ready").length >= 2 ? true : undefined));
    // A second version of the same artifact, not activated: its pool is made by its first call.
    const v2 = await node.deployWasm("shared", bytes, { limits: { memoryMb: 32 } }, false);
    expect(v2).toBe(v1 + 1);
    const results = await Promise.all([v1, v1, v2].map(async (version) => (await node.assign("shared", null, { version })).result()));
    expect(results.map((r) => [r.status, r.output])).toEqual([
      ["succeeded", []],
      ["succeeded", []],
      ["succeeded", []],
    ]);
    const after = await node.stats();
    expect(after.instanceCount - before.instanceCount).toBeGreaterThanOrEqual(3);
    expect(after.binaries.fetches - before.binaries.fetches).toBe(1);
    expect(after.binaries.compiles - before.binaries.compiles).toBe(1);
    expect(after.artifactCount - before.artifactCount).toBe(1);
    expect(after.binaries.references - before.binaries.references).toBe(2);
  });

  it("says on spear.capacity.<node> that a slot is free once it has released the call's lease", async () => {
    const echo = await node.deployWasm("echo", exampleWasm("echo"));
    // The calls of the tests before have released their leases (their replies come before that).
    const idle = async () => ((await node.leases.counters(["runner1"])).get("runner1")?.running ?? 0) === 0;
    await eventually(async () => ((await idle()) && (await node.stats()).running === 0 ? true : undefined));
    const freed: number[] = [];
    const sub = node.nats.nc.subscribe(subjects.capacity("runner1"), { callback: () => void freed.push(Date.now()) });
    await node.nats.nc.flush();
    try {
      await (await node.assign("echo", "free", { version: echo })).result();
      await eventually(() => (freed.length > 0 ? true : undefined), 10_000);
      // Sent after the release: the slot is free in Redis by then.
      expect((await node.leases.counters(["runner1"])).get("runner1")).toEqual({ reserved: 0, running: 0 });
      expect(freed).toHaveLength(1);
    } finally {
      sub.unsubscribe();
    }
  });

  it("answers stats and health with the node's counts", async () => {
    const before = await node.stats();
    const echo = await node.deployWasm("echo", exampleWasm("echo"));
    await (await node.assign("echo", 1, { version: echo })).result();
    // The caller's reply comes from the recorder before the node has released the slot and acknowledged: wait for both.
    const stats = await eventually(async () => {
      const s = await node.stats();
      return s.executionCount > before.executionCount && s.running === 0 ? s : undefined;
    });
    expect(stats).toMatchObject({ nodeId: "runner1", slots: 4, running: 0 });
    expect(stats.succeeded).toBe(before.succeeded + 1);
    expect(stats.executionCount).toBe(stats.succeeded + stats.failed);
    expect(stats.failed).toBeGreaterThanOrEqual(3); // two timeouts, the memory hog, the file snoop above
    expect(stats.taskCount).toBeGreaterThanOrEqual(6);
    expect(stats.taskRefSeq).toBeGreaterThan(0);
    expect(stats.artifactCount).toBeGreaterThanOrEqual(1);
    expect(stats.instanceCount).toBeGreaterThanOrEqual(1);
    expect(stats.averageResponseMs).toBeGreaterThan(0);
    expect(stats.uptimeMs).toBeGreaterThan(0);
    expect(stats.memoryMb).toBeGreaterThan(0);
    expect(stats.processMemoryMb).toBeGreaterThan(0);
    expect(stats.cpuPercent).toBeGreaterThanOrEqual(0);

    const health = await node.health();
    expect(health).toMatchObject({ nodeId: "runner1", healthy: true, state: "serving", registered: true, runtimes: ["wasm", "process"], running: 0, slots: 4 });
  });
});
