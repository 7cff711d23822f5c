import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../support/nats.js";
import type { SimSpearlet } from "../../support/sim-spearlet.js";
import { useChromium } from "./chromium.js";
import { REAL_NODE_LABELS, useConsoleStack } from "./console-stack.js";
import { writeTokensFile } from "./tokens-file.js";

/*
 * The console at /console in Chromium against a whole running stack (control plane, projection
 * workers, scheduler, two real spearlets, gateway, each on its own NATS identity): every view
 * shows what the cluster holds, and what happens while the page is open shows without a reload.
 * A node that fails every call of `doom` (3 attempts) dead-letters its invocations for real.
 * SPEAR_SCREENSHOTS=1 writes docs/console/<view>.png.
 */
const TOKEN = "tok-console";
const READ_TOKEN = "tok-console-read";
const stack = useConsoleStack(["edge-1", "edge-2"], {
  tokensFile: writeTokensFile({
    tokens: [
      { name: "operator", token: TOKEN, scopes: ["admin"] },
      { name: "viewer", token: READ_TOKEN, scopes: ["read"] },
    ],
  }),
  maxStreams: 2,
});
const b = useChromium();
const shots = process.env.SPEAR_SCREENSHOTS === "1" ? join(import.meta.dirname, "..", "..", "..", "docs", "console") : undefined;

const call = (method: string, path: string, body?: unknown) => stack.http(method, path, { token: TOKEN, ...(body !== undefined ? { body } : {}) });

async function invoke(fn: string, input: unknown): Promise<string> {
  const r = await call("POST", `/v1/functions/${fn}:invoke`, { input });
  expect(r.status, r.text).toBe(200);
  return r.json.invocationId as string;
}

async function signIn(page: Page, token = TOKEN): Promise<void> {
  await page.goto(`${stack.url()}/console#nodes`);
  await page.locator("#token").fill(token);
  await page.getByRole("button", { name: "Open" }).click();
  await page.locator("#live.on").waitFor({ timeout: 20_000 });
}

async function view(page: Page, route: string, ready: string): Promise<void> {
  await page.evaluate((r) => (location.hash = r), `#${route}`);
  await page.locator(ready).first().waitFor({ timeout: 20_000 });
}

async function shoot(page: Page, name: string): Promise<void> {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

const row = (page: Page, key: string) => page.locator(`tr[data-key="${key}"]`);

/** The invocation of doom that was dead-lettered, its attempts, its dead letter's seq, and the node that then runs doom. */
const doomed = { invocationId: "", attempts: 0, seq: 0 };
let doomNode: SimSpearlet;

beforeAll(async () => {
  // On the real spearlets only: the simulated nodes below run no code and report no instances.
  const onRealNodes = { requirements: { services: [], labels: REAL_NODE_LABELS } };
  await stack.deployExample("echo", TOKEN, { spec: onRealNodes });
  await stack.deployExample("wordcount", TOKEN, { spec: onRealNodes });
  expect((await call("POST", "/v1/pools:apply", { pools: [{ id: "edge", name: "Edge nodes" }] })).status).toBe(200);
  // doom runs only where the "doom" service is: first on a node that fails every call, so its 3 attempts are used up.
  await stack.deployExample("echo", TOKEN, { as: "doom", spec: { requirements: { services: ["doom"], labels: {} } } });
  const failing = await stack.sim("edge-doom", { failRetryably: true }, ["doom"]);
  const dead = await call("POST", "/v1/functions/doom:invoke", { input: { going: "to the dead-letter stream" } });
  // 3 failed; an attempt the node did not pick up in time (a busy machine) is a refusal, which
  // uses up no attempt but is counted among them.
  expect(dead.json).toMatchObject({ status: "dead_lettered", error: { code: "attempts_exhausted", message: expect.stringMatching(/^3 attempt\(s\) failed/) } });
  expect(dead.json.attempts).toBeGreaterThanOrEqual(3);
  doomed.invocationId = dead.json.invocationId;
  doomed.attempts = dead.json.attempts;
  doomed.seq = await eventually(async () => (await call("GET", "/v1/dlq?source=invocation&function=doom")).json.items?.[0]?.seq as number | undefined, 10_000);
  // From now on doom runs: the failing node is gone (drained, so nothing goes there meanwhile) and a healthy one offers the service.
  await stack.crash(failing);
  expect((await call("POST", "/v1/nodes/edge-doom:drain", { reason: "fails every call" })).status).toBe(200);
  doomNode = await stack.sim("edge-doom-ok", {}, ["doom"]);
}, 90_000);

describe("console: the live web console in a browser", () => {
  it("asks for a token, and the live stream refuses a request without one", async (ctx) => {
    if (b.unavailable || !b.context) return ctx.skip(b.unavailable ?? "no browser");
    expect((await stack.http("GET", "/v1/cluster/events")).status).toBe(401);
    const page = await b.context.newPage();
    await page.goto(`${stack.url()}/console`);
    await page.locator("#login").waitFor({ state: "visible" });
    await page.locator("#token").fill("not-a-token");
    await page.getByRole("button", { name: "Open" }).click();
    await expect.poll(() => page.locator("#login-error").textContent()).toContain("did not accept");
    expect(await page.locator("#nav").isHidden()).toBe(true);
    await page.close();
  });

  it("shows nodes, pools, functions, instances, invocations and projections from the running cluster, and updates live", async (ctx) => {
    if (b.unavailable || !b.context) return ctx.skip(b.unavailable ?? "no browser");
    for (let i = 0; i < 4; i++) await invoke("echo", { n: i });
    await invoke("wordcount", "the quick brown fox jumps over the lazy dog");

    const page = await b.context.newPage();
    const errors: string[] = [];
    const elsewhere: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    // Chromium logs every refused request too: the probe before signing in (401) and the routes this gateway lacks (404) are expected.
    page.on("console", (m) => void (m.type() === "error" && !/status of (401|404)/.test(m.text()) && errors.push(m.text())));
    const refused: string[] = [];
    page.on("response", (r) => void (r.status() === 401 && refused.push(new URL(r.url()).pathname)));
    page.on("request", (r) => void (r.url().startsWith(`${stack.url()}/`) || elsewhere.push(r.url())));
    await signIn(page);

    // Nodes: both real spearlets, with their reported CPU and memory.
    await row(page, "edge-1").waitFor();
    await expect.poll(() => row(page, "edge-2").textContent(), { timeout: 15_000 }).toMatch(/online.*healthy.*\/ 4.*%.*MB/);
    await shoot(page, "nodes");

    // A drain shows without a reload.
    expect((await call("POST", "/v1/nodes/edge-2:drain", { reason: "console test" })).status).toBe(200);
    await expect.poll(() => row(page, "edge-2").textContent(), { timeout: 15_000 }).toContain("draining");
    expect((await call("POST", "/v1/nodes/edge-2:undrain")).status).toBe(200);
    await expect.poll(() => row(page, "edge-2").textContent(), { timeout: 15_000 }).toContain("online");

    await view(page, "pools", 'tr[data-key="edge"]');
    await shoot(page, "pools");

    await view(page, "functions", 'tr[data-key="echo"]');
    await expect.poll(() => row(page, "echo").textContent(), { timeout: 15_000 }).toMatch(/v1.*wasm\s*4/);
    // Percentiles of the total time from GET /v1/cluster/stats (histograms: a bucket's upper bound).
    await expect.poll(async () => await row(page, "echo").locator("td").nth(8).textContent(), { timeout: 15_000 }).toMatch(/^[\d.]+ (ms|s) \/ [\d.]+ (ms|s) \/ [\d.]+ (ms|s)$/);
    expect(await row(page, "wordcount").textContent()).toContain("wasm");
    // A call while the page is open moves the live rate.
    await invoke("echo", { live: true });
    await expect.poll(async () => Number((await row(page, "echo").locator("td").nth(9).textContent())?.trim()), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await shoot(page, "functions");

    await view(page, "instances", 'section[data-node="edge-1"]');
    await expect.poll(async () => page.locator('tr[data-key="echo@1"]').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await shoot(page, "instances");

    // Invocations: the list from GET /v1/invocations, filtered; a call made while it is open appears without a reload.
    await view(page, "invocations", "tbody tr");
    await row(page, doomed.invocationId).waitFor({ timeout: 15_000 });
    expect(await row(page, doomed.invocationId).textContent()).toMatch(new RegExp(`doom.*dead_lettered.*attempts_exhausted.*${doomed.attempts}`));
    const rows = page.locator("main tbody tr");
    await page.locator('select[data-filter="status"]').selectOption("dead_lettered");
    await expect.poll(async () => (await rows.allTextContents()).join("|"), { timeout: 15_000 }).not.toContain("succeeded");
    expect(await rows.count()).toBeGreaterThanOrEqual(1);
    await row(page, doomed.invocationId).waitFor();
    await page.locator('select[data-filter="status"]').selectOption("");
    await page.locator('select[data-filter="function"]').selectOption("echo");
    // Once reloaded: only echo's rows, every one of its calls so far.
    await expect
      .poll(async () => {
        const texts = await rows.allTextContents();
        return texts.every((t) => /echo v1.*succeeded/.test(t)) ? texts.length : 0;
      }, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(5);
    const fresh = await invoke("echo", { arrives: "live" });
    await row(page, fresh).waitFor({ timeout: 15_000 });
    expect(await row(page, fresh).textContent()).toMatch(/echo.*succeeded/);
    await page.locator('select[data-filter="function"]').selectOption("");
    await row(page, doomed.invocationId).waitFor({ timeout: 15_000 });
    await shoot(page, "invocations");

    // One invocation's page: its outcome and its story from the streams (GET /v1/invocations/{id}/story).
    await row(page, fresh).locator("a").click();
    await page.locator(".cards .badge.succeeded").waitFor({ timeout: 15_000 });
    expect(await page.locator("main h1").textContent()).toContain(fresh);
    await page.locator('.timeline li[data-type="InvocationFinished"]').waitFor({ timeout: 15_000 });
    const story = await page.locator(".timeline li").evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.type));
    expect(story[0]).toBe("InvocationRequested");
    expect(story).toContain("InvocationAssigned");
    expect(story.filter((t) => t === "InvocationFinished")).toHaveLength(1);
    expect(await page.locator(".timeline").textContent()).toContain("arrives");
    await shoot(page, "invocation");

    await view(page, "projections", 'tr[data-key="invocation-stats"]');
    await expect.poll(() => row(page, "node-registry").textContent(), { timeout: 15_000 }).toMatch(/SPEAR_EVENTS\s*\d+\s*\d+/);
    expect(await page.locator("tbody tr").count()).toBeGreaterThanOrEqual(9);
    await shoot(page, "projections");

    expect(errors).toEqual([]);
    expect(refused).toEqual(["/v1/nodes"]);
    expect(elsewhere).toEqual([]);
    await page.close();
  });

  it("shows a really dead-lettered invocation with its reason and request, and Redrive runs it again once, with one outcome", async (ctx) => {
    if (b.unavailable || !b.context) return ctx.skip(b.unavailable ?? "no browser");
    const page = await b.context.newPage();
    await signIn(page);
    await view(page, "dlq", `tr[data-key="${doomed.seq}"]`);
    const entry = row(page, String(doomed.seq));
    expect(await entry.textContent()).toMatch(new RegExp(`invocation doom.*${doomed.invocationId}.*attempts_exhausted`));
    expect(await entry.locator(".badge").textContent()).toBe("attempts_exhausted");
    await entry.locator("[data-show]").click();
    await expect.poll(() => page.locator(`pre[data-entry="${doomed.seq}"]`).textContent(), { timeout: 15_000 }).toContain("to the dead-letter stream");
    await shoot(page, "dead-letters");

    await entry.locator("[data-redrive]").click();
    // The list reloads with the redrive recorded: the row links the new invocation.
    const link = entry.locator('a[href^="#invocation/"]').last();
    await expect.poll(async () => (await entry.textContent()) ?? "", { timeout: 15_000 }).toContain("redriven as");
    const redriveId = (await link.textContent()) ?? "";
    expect(redriveId).not.toBe(doomed.invocationId);

    // The new invocation runs once, on the healthy node, and ends with one recorded outcome.
    const result = await eventually(async () => {
      const r = await call("GET", `/v1/invocations/${redriveId}`);
      return r.status === 200 ? r.json : undefined;
    }, 15_000);
    expect(result).toMatchObject({ invocationId: redriveId, function: "doom", status: "succeeded", attempts: 1, nodeId: "edge-doom-ok" });
    await link.click();
    await page.locator('.timeline li[data-type="InvocationFinished"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('.timeline li[data-type="InvocationFinished"]').count()).toBe(1);
    expect(await page.locator('.timeline li[data-type="InvocationAssigned"]').count()).toBe(1);
    expect(doomNode.finished.filter((id) => id === redriveId)).toHaveLength(1);

    // Again: nothing new; the original is redriven once (InvocationRedriven on it, once).
    const again = await call("POST", "/v1/dlq:redrive", { seq: doomed.seq });
    expect(again.json.items).toEqual([expect.objectContaining({ redriveId, redriven: false })]);
    const original = await call("GET", `/v1/invocations/${doomed.invocationId}/story`);
    expect(original.json.events.filter((e: { type: string }) => e.type === "InvocationRedriven")).toHaveLength(1);
    await page.close();
  });

  it("says that the history and dead-letter views need the admin scope when the token lacks it", async (ctx) => {
    if (b.unavailable || !b.context) return ctx.skip(b.unavailable ?? "no browser");
    const page = await b.context.newPage();
    await signIn(page, READ_TOKEN);
    await row(page, "edge-1").waitFor({ timeout: 15_000 });
    for (const [route, what] of [
      ["invocations", "the list of invocations"],
      ["dlq", "the dead-letter list"],
      [`invocation/${doomed.invocationId}`, "an invocation's story"],
    ] as const) {
      await view(page, route, '[data-refused="scope"]');
      const text = await page.locator('[data-refused="scope"]').first().textContent();
      expect(text).toContain(`refused ${what} to this token: it needs the admin scope (403 forbidden)`);
    }
    await page.close();
  });

  it("serves the page with a policy that allows only its own scripts, styles and calls, and never framing", async () => {
    const r = await stack.http("GET", "/console");
    expect(r.status).toBe(200);
    const csp = r.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers.get("x-frame-options")).toBe("DENY");
    expect(r.text).not.toMatch(/<script>|style=/);
    expect((await stack.http("GET", "/console/assets/main.js")).headers.get("content-type")).toContain("text/javascript");
    expect((await stack.http("GET", "/console/assets/..%2f..%2fpackage.json")).status).toBe(404);
  });

  it("keeps at most --max-streams event streams (the watches' included), sends events as they happen, and frees a stream when its client goes", async () => {
    const open = async () => {
      const ac = new AbortController();
      const res = await fetch(`${stack.url()}/v1/cluster/events`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: ac.signal });
      return { ac, res };
    };
    // A page closed just before may still hold its stream for a moment.
    const opened = async () =>
      eventually(async () => {
        const o = await open();
        if (o.res.status === 200) return o;
        await o.res.body?.cancel();
        return undefined;
      }, 10_000);
    const one = await opened();
    const two = await opened();
    expect(one.res.headers.get("content-type")).toContain("text/event-stream");
    const third = await open();
    expect(third.res.status).toBe(503);
    expect((await third.res.json()).code).toBe("too_many_streams");
    // One cap for every event stream of the gateway: a watch is refused as well while the two are open.
    const watch = await fetch(`${stack.url()}/v1/invocations/${doomed.invocationId}/watch`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(watch.status).toBe(503);
    expect((await watch.json()).code).toBe("too_many_streams");

    // An event reaches the stream: a call's result, summarised (no output).
    const reader = one.res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const id = await invoke("echo", { secret: "not in the stream" });
    let seen = "";
    await eventually(async () => {
      const { value } = await reader.read();
      seen += value ?? "";
      return seen.includes(id) ? true : undefined;
    }, 15_000);
    expect(seen).toMatch(new RegExp(`event: result\\ndata: \\{[^\\n]*"invocationId":"${id}"`));
    expect(seen).not.toContain("not in the stream");

    one.ac.abort();
    two.ac.abort();
    (await opened()).ac.abort();
  });
});
