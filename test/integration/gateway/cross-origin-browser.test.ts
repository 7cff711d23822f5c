import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../../../domain/api/registry.js";
import { smsRequest } from "../../../services/api/client.js";
import { ATTACK_PAGE } from "./attack-page.js";
import { useChromium } from "./chromium.js";
import { useGatewayCluster } from "./harness.js";

/*
 * Issues 11 and 12 in a real browser: a page on another origin (served by this test on
 * loopback) and a page reached through DNS rebinding try every way a browser lets a page POST
 * to the gateway, without a token and with one; nothing changes.
 */
const REBIND = "rebind.spear.test";
const g = useGatewayCluster({ open: {}, secured: { tokens: "tok-browser" } });
/*
 * The rebound name resolves to 127.0.0.1. Chromium's own Local Network Access checks would stop
 * a page it took for a public one before the gateway is reached; they are off, since the gateway
 * must hold on its own (in other browsers, and for pages those checks let through).
 */
const b = useChromium([
  `--host-resolver-rules=MAP ${REBIND} 127.0.0.1`,
  "--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,BlockInsecurePrivateNetworkRequests",
]);
const site: { server?: Server; origin?: string } = {};

beforeAll(async () => {
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(ATTACK_PAGE));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  site.server = server;
  site.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  site.server?.closeAllConnections();
  await new Promise((resolve) => site.server?.close(resolve));
});

/** What the gateways answered the page, as the browser saw it on the wire (opaque answers included). */
function answersFrom(page: Page, gateways: readonly string[]): { method: string; url: string; status: number }[] {
  const seen: { method: string; url: string; status: number }[] = [];
  page.on("response", (r) => {
    if (gateways.some((gw) => r.url().startsWith(`${gw}/`))) seen.push({ method: r.request().method(), url: r.url(), status: r.status() });
  });
  return seen;
}

async function runAttack(page: Page, url: string): Promise<Record<string, string>> {
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { attackDone?: unknown }).attackDone !== undefined, undefined, { timeout: 60_000 });
  return page.evaluate(() => (window as unknown as { attackDone: Record<string, string> }).attackDone);
}

async function expectNothingChanged(): Promise<void> {
  const victim = await smsRequest(g.cluster.nats.nc, api.functions.get, { name: "victim" });
  expect(victim).toMatchObject({ activeVersion: 1, latestVersion: 1, deleted: false });
  // Not drained, and still registered. Whether it is online is liveness, not the attack: with the
  // browser and a busy machine its simulated reports can miss the test cluster's 800 ms timeout.
  expect(await smsRequest(g.cluster.nats.nc, api.nodes.get, { nodeId: "gw-node-1" })).toMatchObject({ draining: false, deregisteredAt: null });
}

describe("gateway: a cross-origin page in a browser", () => {
  it("cannot deploy, deactivate or drain with fetch, XHR or forms, with or without a token", async (ctx) => {
    if (b.unavailable || !b.context) return ctx.skip(b.unavailable ?? "no browser");
    await g.cluster.deploy("victim");
    const gateways = [g.url("open"), g.url("open").replace("127.0.0.1", "localhost"), g.url("secured")];
    const page = await b.context.newPage();
    const answers = answersFrom(page, gateways);

    const seen = await runAttack(page, `${site.origin}/?gw=${encodeURIComponent(gateways.join(","))}&token=tok-browser`);
    expect(Object.keys(seen)).toHaveLength(11 * gateways.length);
    // The simple requests (fetch without CORS, forms) reached the gateways and were refused; the
    // preflighted ones never left the browser, and XHR may not read what it was answered.
    const posts = answers.filter((a) => a.method === "POST");
    expect(posts.length).toBeGreaterThanOrEqual(7 * gateways.length);
    for (const a of posts) expect([401, 403], `${a.method} ${a.url}`).toContain(a.status);
    for (const gw of gateways) expect(seen[`${gw} fetch JSON deploy (preflight)`]).toMatch(/^failed/);
    await expectNothingChanged();
    await page.close();
  });

  it("gets nothing through DNS rebinding: a page whose name resolves to the gateway is refused", async (ctx) => {
    if (b.unavailable || !b.context) return ctx.skip(b.unavailable ?? "no browser");
    const port = new URL(g.url("open")).port;
    const rebound = `http://${REBIND}:${port}`;
    const page = await b.context.newPage();
    // The hostile site's page, as its own server sent it before the name was pointed at 127.0.0.1.
    await page.route(`${rebound}/attack`, (route) => route.fulfill({ status: 200, contentType: "text/html", body: ATTACK_PAGE }));
    const answers = answersFrom(page, [rebound]);

    const seen = await runAttack(page, `${rebound}/attack`);
    expect(Object.keys(seen)).toHaveLength(11);
    const direct = await page.goto(`${rebound}/v1/nodes`);
    expect(direct?.status()).toBe(421);
    // Same-origin now, so every attempt reached the gateway: fetch, XHR and forms alike.
    const posts = answers.filter((a) => a.method === "POST");
    expect(posts.length).toBeGreaterThanOrEqual(11);
    for (const a of posts) expect(a.status, `${a.method} ${a.url}`).toBe(421);
    await expectNothingChanged();
    await page.close();
  });
});
