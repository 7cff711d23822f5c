import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useGatewayCluster } from "./harness.js";

/**
 * Debian's Chromium, driven by playwright-core (no browser is ever downloaded). Where it is not
 * installed or cannot start, the test is skipped with the reason, never passed.
 */
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const g = useGatewayCluster({ open: {} });
const b: { context?: BrowserContext; profile?: string; unavailable?: string } = {};

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    b.unavailable = `${CHROMIUM} is not installed (Debian package chromium; .ci/run installs it as root)`;
    return;
  }
  b.profile = mkdtempSync(join(tmpdir(), "spear-chromium-"));
  try {
    b.context = await chromium.launchPersistentContext(b.profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 30_000 });
  } catch (e) {
    b.unavailable = `Chromium did not start: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`;
  }
  if (b.unavailable) process.stderr.write(`[browser] the /docs test is skipped: ${b.unavailable}\n`);
});
afterAll(async () => {
  await b.context?.close();
  if (b.profile) rmSync(b.profile, { recursive: true, force: true });
});

describe("gateway: the /docs page in a browser", () => {
  it("shows the invoke route, and invoking from the page reaches a function", async (ctx) => {
    if (b.unavailable || !b.context) return ctx.skip(b.unavailable ?? "no browser");
    await g.cluster.deploy("gw-docs-echo");
    const base = g.url("open");
    const page = await b.context.newPage();
    const requested: string[] = [];
    page.on("request", (r) => requested.push(r.url()));

    await page.goto(`${base}/docs`);
    const invoke = page.locator('.opblock-summary-path[data-path="/v1/functions/{name}:invoke"]');
    await invoke.waitFor({ state: "visible", timeout: 30_000 });
    expect(await page.locator(".opblock-summary-path").count()).toBeGreaterThanOrEqual(20);

    await invoke.click();
    const op = page.locator("#operations-invocations-invoke");
    // The gateway's Swagger UI opens operations ready to try (tryItOutEnabled).
    await op.locator('tr[data-param-name="name"] input').fill("gw-docs-echo");
    await op.locator("textarea.body-param__text").fill('{"input": {"from": "the browser"}}');
    await op.getByRole("button", { name: "Execute" }).click();
    const status = op.locator(".live-responses-table .response .response-col_status").first();
    await expect.poll(async () => (await status.textContent())?.trim(), { timeout: 30_000 }).toBe("200");
    await expect.poll(async () => await op.locator(".live-responses-table .response .response-col_description").first().textContent()).toContain("the browser");

    // Everything the page loaded came from the gateway itself.
    const elsewhere = requested.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith("data:"));
    expect(elsewhere).toEqual([]);
    await page.close();
  });
});
