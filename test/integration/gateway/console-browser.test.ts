import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../support/nats.js";
import { useChromium } from "./chromium.js";
import { useConsoleStack } from "./console-stack.js";

/*
 * The console at /console in Chromium against a whole running stack (control plane, projection
 * workers, scheduler, two real spearlets, gateway, each on its own NATS identity): every view
 * shows what the cluster holds, and what happens while the page is open shows without a reload.
 * SPEAR_SCREENSHOTS=1 writes docs/console/<view>.png.
 */
const TOKEN = "tok-console";
const stack = useConsoleStack(["edge-1", "edge-2"], { tokens: TOKEN, maxStreams: 2 });
const b = useChromium();
const shots = process.env.SPEAR_SCREENSHOTS === "1" ? join(import.meta.dirname, "..", "..", "..", "docs", "console") : undefined;

const call = (method: string, path: string, body?: unknown) => stack.http(method, path, { token: TOKEN, ...(body !== undefined ? { body } : {}) });

async function invoke(fn: string, input: unknown): Promise<string> {
  const r = await call("POST", `/v1/functions/${fn}:invoke`, { input });
  expect(r.status, r.text).toBe(200);
  return r.json.invocationId as string;
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${stack.url()}/console#nodes`);
  await page.locator("#token").fill(TOKEN);
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

beforeAll(async () => {
  await stack.deployExample("echo", TOKEN);
  await stack.deployExample("wordcount", TOKEN);
  expect((await call("POST", "/v1/pools:apply", { pools: [{ id: "edge", name: "Edge nodes" }] })).status).toBe(200);
});

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
    expect(await row(page, "wordcount").textContent()).toContain("wasm");
    // A call while the page is open moves the live rate.
    await invoke("echo", { live: true });
    await expect.poll(async () => Number((await row(page, "echo").locator("td").nth(9).textContent())?.trim()), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await shoot(page, "functions");

    await view(page, "instances", 'section[data-node="edge-1"]');
    await expect.poll(async () => page.locator('tr[data-key="echo@1"]').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await shoot(page, "instances");

    // Invocations: a call made while the list is open appears in it without a reload.
    await view(page, "invocations", "table");
    const fresh = await invoke("echo", { arrives: "live" });
    await row(page, fresh).waitFor({ timeout: 15_000 });
    expect(await row(page, fresh).textContent()).toMatch(/echo.*succeeded/);
    await shoot(page, "invocations");

    // One invocation's page: its outcome (the story itself comes with GET /v1/invocations/{id}/story).
    await row(page, fresh).locator("a").click();
    await page.locator(".cards .badge.succeeded").waitFor({ timeout: 15_000 });
    expect(await page.locator("main h1").textContent()).toContain(fresh);
    await page.locator("main .timeline, main [data-notice]").first().waitFor();
    await shoot(page, "invocation");

    await view(page, "dlq", "main table, main [data-notice]");
    await shoot(page, "dead-letters");

    await view(page, "projections", 'tr[data-key="invocation-stats"]');
    await expect.poll(() => row(page, "node-registry").textContent(), { timeout: 15_000 }).toMatch(/SPEAR_EVENTS\s*\d+\s*\d+/);
    expect(await page.locator("tbody tr").count()).toBeGreaterThanOrEqual(9);
    await shoot(page, "projections");

    expect(errors).toEqual([]);
    expect(refused).toEqual(["/v1/nodes"]);
    expect(elsewhere).toEqual([]);
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

  it("keeps at most --max-streams live streams, sends events as they happen, and frees a stream when its client goes", async () => {
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
