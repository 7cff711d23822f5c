import { beforeAll, describe, expect, it } from "vitest";
import { api } from "../../../domain/api/registry.js";
import { H } from "../../../domain/headers.js";
import { subjects } from "../../../domain/subjects.js";
import { smsRequest } from "../../../services/api/client.js";
import { streamNames } from "../../../streams/catalog.js";
import { getResult } from "../../../streams/invocations/results.js";
import { readStream } from "../../../streams/reader.js";
import { runCli } from "../../support/cli.js";
import { eventually } from "../../support/nats.js";
import type { SimSpearlet } from "../../support/sim-spearlet.js";
import { useGatewayCluster } from "../gateway/harness.js";

// One node fails every call of cx-doom, so each of its invocations is dead-lettered after 3 attempts.
const g = useGatewayCluster({ main: {}, narrow: { maxStreams: 1 } });
const call = (method: string, path: string, body?: unknown) => g.http("main", method, path, body === undefined ? {} : { body });
const cli = (args: string[]) => runCli([...args, "--nats", g.cluster.servers.nats.url], {}, 60_000);
const jsonLines = (s: string) => s.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));

let bad: SimSpearlet;
const seqOf: Record<string, number> = {};

async function count(stream: string, filter: string, keep: (m: { headers?: { get(k: string): string } | undefined }) => boolean = () => true): Promise<number> {
  let n = 0;
  for await (const m of readStream(g.cluster.nats.js, stream, { filter })) if (keep(m as never)) n++;
  return n;
}

/** Reads a server-sent event stream until `done` holds for what arrived, or `timeoutMs` passes; then hangs up. */
async function readEvents(path: string, done: (text: string) => boolean, opts: { timeoutMs?: number; onOpen?: () => Promise<unknown> } = {}): Promise<{ status: number; text: string }> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), opts.timeoutMs ?? 15_000);
  const res = await fetch(`${g.url("main")}${path}`, { signal: stop.signal });
  let text = "";
  try {
    if (res.status !== 200 || !res.body) return { status: res.status, text: await res.text() };
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let opened = false;
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      text += decoder.decode(value, { stream: true });
      if (!opened && text.includes(": stream open")) {
        opened = true;
        await opts.onOpen?.();
      }
      if (done(text)) break;
    }
  } catch (e) {
    if (!stop.signal.aborted) throw e;
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
  return { status: res.status, text };
}

beforeAll(async () => {
  await g.cluster.deploy("cx-echo");
  await g.cluster.deploy("cx-doom", { requirements: { services: ["doom"], labels: {} } });
  bad = await g.cluster.spearlet("cx-bad", 2, { failRetryably: true }, { services: ["doom"] });
  const doomed = await Promise.all(["cx-inv-doom-1", "cx-inv-doom-2"].map((id) => g.cluster.invoke("cx-doom", { input: id }, id, 30_000)));
  for (const r of doomed) expect(r).toMatchObject({ status: "dead_lettered", error: { code: "attempts_exhausted" } });
  for (let i = 0; i < 5; i++) expect((await g.cluster.invoke("cx-echo", { input: i }, `cx-echo-${i}`)).status).toBe("succeeded");
  const listed = await call("GET", "/v1/dlq?source=invocation&function=cx-doom");
  for (const d of listed.json.items) seqOf[d.invocationId] = d.seq;
  // From now on cx-doom runs: the failing node is gone (and drained, so nothing is placed there meanwhile).
  await bad.crash();
  await smsRequest(g.cluster.nats.nc, api.nodes.drain, { nodeId: "cx-bad", reason: "test" });
  await g.cluster.spearlet("cx-good", 2, {}, { services: ["doom"] });
}, 90_000);

describe("dead letters: list, show, redrive", () => {
  it("lists and shows a dead-lettered invocation with its reason and request, over HTTP and the CLI", async () => {
    expect(Object.keys(seqOf).sort()).toEqual(["cx-inv-doom-1", "cx-inv-doom-2"]);
    const listed = await call("GET", "/v1/dlq?source=invocation&function=cx-doom&limit=1");
    expect(listed.status).toBe(200);
    expect(listed.json.items).toHaveLength(1);
    expect(listed.json.items[0]).toMatchObject({ source: "invocation", key: "cx-doom", code: "attempts_exhausted", function: "cx-doom", redrive: null, from: { stream: streamNames.invoke } });
    expect(listed.json.nextCursor).toMatch(/^\d+$/);
    const older = await call("GET", `/v1/dlq?source=invocation&function=cx-doom&limit=1&cursor=${listed.json.nextCursor}`);
    expect(older.json.items[0].seq).toBeLessThan(listed.json.items[0].seq);
    const shown = await call("GET", `/v1/dlq/${seqOf["cx-inv-doom-1"]}`);
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ invocationId: "cx-inv-doom-1", data: { input: "cx-inv-doom-1" } });
    expect(shown.json.headers[H.dlqCode]).toBe("attempts_exhausted");
    const byCode = await call("GET", "/v1/dlq?code=no_such_code");
    expect(byCode.json.items).toEqual([]);

    const ls = await cli(["dlq", "ls", "--function", "cx-doom", "--json"]);
    expect(ls.code).toBe(0);
    expect(jsonLines(ls.stdout).map((d) => d.invocationId).sort()).toEqual(["cx-inv-doom-1", "cx-inv-doom-2"]);
    const show = await cli(["dlq", "show", String(seqOf["cx-inv-doom-1"])]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("attempts_exhausted");
  });

  it("redrives from the CLI: the invocation runs once more and ends with one recorded outcome; redriving again makes no new attempt", async () => {
    const seq = seqOf["cx-inv-doom-1"]!;
    const first = await cli(["dlq", "redrive", String(seq), "--wait", "20000", "--json"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const [sent] = jsonLines(first.stdout);
    expect(sent).toMatchObject({ seq, invocationId: "cx-inv-doom-1", function: "cx-doom", redriven: true, result: { status: "succeeded", output: { echo: "cx-inv-doom-1" }, nodeId: "cx-good", attempts: 1 } });
    const redriveId: string = sent.redriveId;
    expect(sent.result.invocationId).toBe(redriveId);

    const again = await cli(["dlq", "redrive", String(seq), "--json"]);
    expect(jsonLines(again.stdout)).toEqual([{ seq, invocationId: "cx-inv-doom-1", function: "cx-doom", redriveId, redriven: false }]);
    const overHttp = await call("POST", "/v1/dlq:redrive", { seq });
    expect(overHttp.status).toBe(200);
    expect(overHttp.json).toEqual({ items: [{ seq, invocationId: "cx-inv-doom-1", function: "cx-doom", redriveId, redriven: false }], skipped: [] });

    // One new request, one attempt, one result for the new id; the dead-lettered one keeps its one result.
    await new Promise((r) => setTimeout(r, 500));
    expect(await count(streamNames.invoke, subjects.invoke("cx-doom"), (m) => m.headers?.get(H.msgId) === redriveId)).toBe(1);
    expect(await count(streamNames.assign, subjects.allAssigns, (m) => m.headers?.get(H.invocationId) === redriveId)).toBe(1);
    expect(await count(streamNames.results, subjects.result(redriveId))).toBe(1);
    expect(await count(streamNames.results, subjects.result("cx-inv-doom-1"))).toBe(1);
    expect((await getResult(g.cluster.nats.jsm, "cx-inv-doom-1"))?.status).toBe("dead_lettered");
    expect(await count(streamNames.events, subjects.event("invocation", "cx-inv-doom-1"))).toBe(1);

    const listed = await call("GET", "/v1/dlq?function=cx-doom");
    expect(listed.json.items.find((d: { seq: number }) => d.seq === seq).redrive).toMatchObject({ redriveId, dlqSeq: seq });
    const story = await call("GET", "/v1/invocations/cx-inv-doom-1/story");
    expect(story.status).toBe(200);
    const types = story.json.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(["InvocationRequested", "InvocationAssigned", "InvocationRetryRequested", "InvocationFinished", "InvocationRedriven"]));
    expect(story.json.events.find((e: { type: string }) => e.type === "InvocationRedriven").data).toMatchObject({ redriveId, dlqSeq: seq, reason: { code: "attempts_exhausted" } });
    expect(story.json.result).toMatchObject({ status: "dead_lettered" });
    const newStory = await call("GET", `/v1/invocations/${redriveId}/story`);
    expect(newStory.json.events.map((e: { type: string }) => e.type)).toEqual(["InvocationRequested", "InvocationAssigned", "InvocationFinished"]);
  });

  it("redrives a range by function over HTTP (the console's button), skipping what was sent back, once", async () => {
    const r = await call("POST", "/v1/dlq:redrive", { function: "cx-doom", limit: 10 });
    expect(r.status).toBe(200);
    expect(r.json.items).toHaveLength(1);
    expect(r.json.items[0]).toMatchObject({ invocationId: "cx-inv-doom-2", seq: seqOf["cx-inv-doom-2"], redriven: true });
    const done = await eventually(() => getResult(g.cluster.nats.jsm, r.json.items[0].redriveId));
    expect(done).toMatchObject({ status: "succeeded", attempts: 1 });
    const again = await call("POST", "/v1/dlq:redrive", { function: "cx-doom", limit: 10 });
    expect(again.json).toEqual({ items: [], skipped: [] });
  });

  it("refuses bad input with a typed 400, and an unknown or unredrivable dead letter with its code", async () => {
    const both = await call("POST", "/v1/dlq:redrive", { seq: 1, function: "cx-doom" });
    expect(both.status).toBe(400);
    expect(both.json.code).toBe("invalid_argument");
    expect((await call("POST", "/v1/dlq:redrive", { limit: 1000 })).json.code).toBe("invalid_argument");
    expect((await call("GET", "/v1/dlq/0")).status).toBe(400);
    const missing = await call("GET", "/v1/dlq/999999");
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ code: "dead_letter_not_found", details: { seq: 999999 } });
    expect((await call("POST", "/v1/dlq:redrive", { seq: 999999 })).json.code).toBe("dead_letter_not_found");
    const cliMissing = await cli(["dlq", "redrive", "999999"]);
    expect(cliMissing.code).toBe(1);
    expect(cliMissing.stderr).toContain("[dead_letter_not_found]");
  });
});

describe("HTTP: what the console reads", () => {
  it("lists invocations newest first, filtered by function, status and time, a page at a time", async () => {
    const page = await call("GET", "/v1/invocations?function=cx-echo&limit=2");
    expect(page.status).toBe(200);
    expect(page.json.items.map((r: { invocationId: string }) => r.invocationId)).toEqual(["cx-echo-4", "cx-echo-3"]);
    const next = await call("GET", `/v1/invocations?function=cx-echo&limit=2&cursor=${page.json.nextCursor}`);
    expect(next.json.items.map((r: { invocationId: string }) => r.invocationId)).toEqual(["cx-echo-2", "cx-echo-1"]);
    const dead = await call("GET", "/v1/invocations?status=dead_lettered");
    expect(dead.json.items.map((r: { invocationId: string }) => r.invocationId).sort()).toEqual(["cx-inv-doom-1", "cx-inv-doom-2"]);
    const future = await call("GET", `/v1/invocations?since=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future.json).toMatchObject({ items: [], nextCursor: null });
    const past = await call("GET", `/v1/invocations?function=cx-echo&until=${new Date(Date.now() - 3_600_000).toISOString()}`);
    expect(past.json.items).toEqual([]);
    for (const bad of ["limit=0", "status=bogus", "since=yesterday", "function=no%20spaces", "cursor=abc"]) {
      const r = await call("GET", `/v1/invocations?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.json.code, bad).toBe("invalid_argument");
    }
  });

  it("answers cluster stats with latency percentiles per function", async () => {
    const r = await call("GET", "/v1/cluster/stats");
    expect(r.status).toBe(200);
    const echo = r.json.invocationsByFunction["cx-echo"];
    expect(echo.total).toBe(5);
    for (const k of ["runMs", "totalMs"]) {
      expect(echo.percentiles[k].p50).toBeGreaterThanOrEqual(0);
      expect(echo.percentiles[k].p99).toBeGreaterThanOrEqual(echo.percentiles[k].p50);
    }
    // The simulated spearlets give no queue time (a real one does): no result had one, so none is made up.
    expect(echo.percentiles.queueMs).toBeNull();
    expect(r.json.invocations.percentiles.totalMs.p95).toBeGreaterThan(0);
    // Dead-lettered results have no queue or run time; their total time counts.
    expect(r.json.invocationsByFunction["cx-doom"].byStatus.dead_lettered).toBe(2);
  });

  it("streams a function's new results and an invocation's result as server-sent events", async () => {
    const seen = await readEvents("/v1/functions/cx-echo/results:watch", (t) => t.includes('"cx-sse-1"') && t.includes("\n\n", t.indexOf('"cx-sse-1"')), {
      onOpen: () => call("POST", "/v1/functions/cx-echo:invoke?async=true", { input: "sse", invocationId: "cx-sse-1" }),
    });
    expect(seen.status).toBe(200);
    const event = seen.text.split("\n\n").find((e) => e.includes("id: cx-sse-1"))!;
    expect(event).toContain("event: result");
    expect(JSON.parse(event.split("\n").find((l) => l.startsWith("data: "))!.slice(6))).toMatchObject({ invocationId: "cx-sse-1", status: "succeeded", output: { echo: "sse" } });

    // Watching one invocation: at once when its result is recorded already, else when it lands; then the stream ends.
    const recorded = await readEvents("/v1/invocations/cx-echo-0/watch", () => false);
    expect(recorded.text).toContain("event: result\nid: cx-echo-0\n");
    const later = await readEvents("/v1/invocations/cx-sse-2/watch", () => false, {
      onOpen: () => call("POST", "/v1/functions/cx-echo:invoke?async=true", { input: 2, invocationId: "cx-sse-2" }),
    });
    expect(later.text).toContain("event: result\nid: cx-sse-2\n");
    const timedOut = await readEvents("/v1/invocations/cx-never/watch?waitMs=300", () => false);
    expect(timedOut.text).toContain("event: timeout");
    expect((await call("GET", "/v1/invocations/cx-never/watch?waitMs=0")).json.code).toBe("invalid_argument");
  });

  it("caps the event streams per gateway and frees a place when a client hangs up", async () => {
    const base = g.url("narrow");
    const hold = new AbortController();
    const first = await fetch(`${base}/v1/functions/cx-echo/results:watch`, { signal: hold.signal });
    expect(first.status).toBe(200);
    const second = await fetch(`${base}/v1/functions/cx-echo/results:watch`);
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBe("1");
    expect((await second.json()).code).toBe("too_many_streams");
    hold.abort();
    await eventually(async () => {
      const again = await fetch(`${base}/v1/invocations/cx-echo-0/watch`);
      const text = await again.text();
      return again.status === 200 && text.includes("event: result") ? true : undefined;
    });
  });
});
