import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { H } from "../../../domain/headers.js";
import { subjects } from "../../../domain/subjects.js";
import { streamNames } from "../../../streams/catalog.js";
import { rawOf } from "../../../streams/codec.js";
import { parseRequest, type ParsedRequest } from "../../../streams/invocations/request.js";
import { getResult } from "../../../streams/invocations/results.js";
import { eventually } from "../../support/nats.js";
import { useSpearlet } from "./agent-harness.js";
import { exampleWasm } from "./wasm-fixtures.js";

/** Fencing by the slot lease, and failures that hand the invocation back for another node. */
const node = useSpearlet("fence1", { versionWait: 500, drainTimeout: 800 });

/** The retry on `spear.invoke.<fn>.retry` for `attempt` of an invocation, once it is there. */
async function retryOf(fn: string, invocationId: string, attempt: number): Promise<ParsedRequest & { headers: Record<string, string> }> {
  return eventually(async () => {
    const m = await node.nats.jsm.direct.getMessage(streamNames.invoke, { last_by_subj: subjects.retry(fn) });
    if (!m) return undefined;
    const parsed = parseRequest(rawOf(m));
    if (!parsed.ok || parsed.request.invocationId !== invocationId || parsed.request.attempt !== attempt) return undefined;
    const headers: Record<string, string> = {};
    for (const [k, v] of m.header ?? []) headers[k] = v[0] ?? "";
    return { ...parsed.request, headers };
  });
}

/** The invocation has no result and got no reply, after giving one time to appear. */
async function expectNotRun(invocationId: string, replies: readonly unknown[]): Promise<void> {
  await new Promise((r) => setTimeout(r, 500));
  expect(await getResult(node.nats.jsm, invocationId)).toBeUndefined();
  expect(replies).toHaveLength(0);
}

/** A warm JavaScript worker file: `body` handles `req` and may answer with send(). */
function worker(name: string, body: string): string {
  const file = join(node.tempDir("worker"), `${name}.cjs`);
  writeFileSync(
    file,
    `const send = (m) => process.stdout.write(JSON.stringify(m) + "\\n");
let buffered = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  const lines = (buffered + chunk).split("\\n");
  buffered = lines.pop();
  for (const line of lines) if (line.trim()) { const req = JSON.parse(line); ${body} }
});
process.stdin.on("end", () => process.exit(0));
send({ ready: true });
`,
  );
  return file;
}

describe("spearlet agent: fencing", () => {
  it("does not run an assignment whose lease expired before it was committed", async () => {
    const version = await node.deployWasm("echo", exampleWasm("echo"));
    const before = await node.stats();
    const late = await node.assign("echo", 1, {
      version,
      leaseTtlMs: 150,
      // The deadline claims more time than the lease has: the commit is what fences it off.
      deadline: new Date(Date.now() + 60_000).toISOString(),
      beforePublish: () => new Promise((r) => setTimeout(r, 400)),
    });
    expect(await node.outcomeOf(late.invocationId)).toMatchObject({ status: "refused", errorCode: "lease_expired", coldStart: false });
    await expectNotRun(late.invocationId, late.replies);
    const after = await node.stats();
    expect(after.executionCount).toBe(before.executionCount);
    expect(after.fenced).toBe(before.fenced + 1);
  });

  it("does not run an assignment whose lease was released, nor one past its deadline", async () => {
    const version = await node.deployWasm("echo", exampleWasm("echo"));
    const before = await node.stats();
    const released = await node.assign("echo", 2, { version, beforePublish: async (token) => void (await node.leases.release(token)) });
    const overdue = await node.assign("echo", 3, { version, deadline: new Date(Date.now() - 1_000).toISOString() });
    expect(await node.outcomeOf(released.invocationId)).toMatchObject({ status: "refused", errorCode: "lease_not_found" });
    expect(await node.outcomeOf(overdue.invocationId)).toMatchObject({ status: "refused", errorCode: "lease_expired" });
    await expectNotRun(released.invocationId, released.replies);
    await expectNotRun(overdue.invocationId, overdue.replies);
    const after = await node.stats();
    expect(after.executionCount).toBe(before.executionCount);
    expect(after.fenced).toBe(before.fenced + 2);
    // Both were acknowledged: nothing is left pending for the node.
    const info = await node.nats.jsm.consumers.info(streamNames.assign, "spearlet_fence1");
    expect(info.num_ack_pending).toBe(0);
  });
});

describe("spearlet agent: an assignment whose lease was lost with Redis", () => {
  it("asks for the next attempt when the lease state was rebuilt without it (no reaper will), and runs nothing", async () => {
    const version = await node.deployWasm("echo", exampleWasm("echo"));
    // Redis restarted empty between the reservation and the publish, and a scheduler rebuilt the
    // lease state from the log before this assignment reached it.
    const orphan = await node.assign("echo", 5, { version, beforePublish: async () => void (await node.leases.rebuild([])) });
    const retry = await retryOf("echo", orphan.invocationId, 2);
    expect(retry.headers[H.msgId]).toBe(`${orphan.invocationId}.a2`);
    expect(retry.headers[H.retryReason]).toMatch(/^lease_not_found: /);
    expect(retry.refusals).toBe(1);
    expect(await node.outcomeOf(orphan.invocationId)).toMatchObject({ status: "refused", errorCode: "lease_not_found" });
    await expectNotRun(orphan.invocationId, orphan.replies);
  });

  it("asks for the next attempt when such an assignment also arrives past its pickup deadline", async () => {
    const version = await node.deployWasm("echo", exampleWasm("echo"));
    const late = await node.assign("echo", 6, { version, deadline: new Date(Date.now() - 1_000).toISOString(), beforePublish: async () => void (await node.leases.rebuild([])) });
    const retry = await retryOf("echo", late.invocationId, 2);
    expect(retry.headers[H.retryReason]).toMatch(/^lease_expired: /);
    expect(await node.outcomeOf(late.invocationId)).toMatchObject({ status: "refused", errorCode: "lease_expired" });
    await expectNotRun(late.invocationId, late.replies);
  });
});

describe("spearlet agent: handing back", () => {
  it("asks for the next attempt, excluding this node, when the version is not known here; then frees the slot", async () => {
    const version = await node.deployWasm("echo", exampleWasm("echo"));
    const unknown = await node.assign("echo", 4, { version: version + 40 });
    const retry = await retryOf("echo", unknown.invocationId, 2);
    expect(retry.excludeNodes).toEqual(["fence1"]);
    expect(retry.body.input).toBe(4);
    expect(retry.headers[H.msgId]).toBe(`${unknown.invocationId}.a2`);
    expect(retry.headers[H.retryReason]).toMatch(/^version_not_found: /);
    expect(retry.replyTo).toBeDefined();
    expect(await node.outcomeOf(unknown.invocationId)).toMatchObject({ status: "refused", errorCode: "version_not_found" });
    // The node released the slot: releasing again finds the tombstone.
    expect(await node.leases.release(unknown.leaseToken)).toMatchObject({ released: false, lease: { status: "released" } });
    await expectNotRun(unknown.invocationId, unknown.replies);
  });

  it("asks for the next attempt when the instance crashed during the call (instance_crashed)", async () => {
    const file = worker("crashy", `process.exit(3);`);
    const version = await node.deploy("crashy", { runtime: "process", command: ["node", file] });
    const crashed = await node.assign("crashy", { boom: true }, { version });
    const retry = await retryOf("crashy", crashed.invocationId, 2);
    expect(retry.excludeNodes).toEqual(["fence1"]);
    expect(retry.headers[H.retryReason]).toMatch(/^instance_crashed: /);
    expect(await node.outcomeOf(crashed.invocationId)).toMatchObject({ status: "failed", errorCode: "instance_crashed" });
    await expectNotRun(crashed.invocationId, crashed.replies);
  });

  it("asks for the next attempt when admission refuses the call (the function is at its concurrency limit)", async () => {
    const file = worker("slow", `setTimeout(() => send({ id: req.id, output: req.input }), req.input.ms);`);
    const version = await node.deploy("slow", { runtime: "process", command: ["node", file], limits: { maxConcurrency: 1 }, scaling: { minWarm: 1 } });
    await eventually(() => (node.transitions().some((t) => t.function === "slow" && t.to === "Ready") ? true : undefined));
    const first = await node.assign("slow", { ms: 1_500 }, { version });
    await eventually(async () => ((await node.leases.counters(["fence1"])).get("fence1")?.running === 1 ? true : undefined));
    const second = await node.assign("slow", { ms: 1 }, { version });
    const retry = await retryOf("slow", second.invocationId, 2);
    // A refusal keeps the node in play (it may have room a moment later) and costs no attempt.
    expect(retry.excludeNodes).toEqual([]);
    expect(retry.headers[H.refusals]).toBe("1");
    expect(retry.headers[H.retryReason]).toMatch(/^saturated: function slow is at its concurrency limit/);
    expect(await node.outcomeOf(second.invocationId)).toMatchObject({ status: "refused", errorCode: "saturated" });
    expect(await first.result()).toMatchObject({ status: "succeeded", output: { ms: 1_500 } });
    await expectNotRun(second.invocationId, second.replies);
  });

  // Last: it stops the suite's node.
  it("hands back a call still running at the drain deadline, and closes its instance", async () => {
    const version = await node.deploy("slow", { runtime: "process", command: ["node", worker("slow2", `setTimeout(() => send({ id: req.id, output: req.input }), req.input.ms);`)] });
    const long = await node.assign("slow", { ms: 5_000 }, { version, timeoutMs: 10_000 });
    // The node's own count, not the Redis commit: between the two a drain hands the call back unstarted.
    await eventually(async () => ((await node.stats()).running === 1 ? true : undefined));
    const summary = await node.spearlet.drain();
    expect(summary).toMatchObject({ finished: false, abandoned: 1, caughtUp: true });
    const retry = await retryOf("slow", long.invocationId, 2);
    expect(retry.excludeNodes).toEqual(["fence1"]);
    expect(retry.headers[H.refusals]).toBe("1");
    expect(retry.headers[H.retryReason]).toMatch(/^node_draining: .*drain deadline/);
    expect(await node.leases.release(long.leaseToken)).toMatchObject({ released: false, lease: { status: "released" } });
    expect(node.outcomes().find((o) => o.invocationId === long.invocationId)).toMatchObject({ status: "failed", errorCode: "node_draining" });
    await expectNotRun(long.invocationId, long.replies);
    expect(node.reports.at(-1)).toMatchObject({ draining: true, usage: { running: 0 } });
    expect(node.transitions().some((t) => t.function === "slow" && t.version === version && t.to === "Terminated")).toBe(true);
  });
});
