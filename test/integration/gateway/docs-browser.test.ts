import { describe, expect, it } from "vitest";
import { useChromium } from "./chromium.js";
import { useGatewayCluster } from "./harness.js";

const g = useGatewayCluster({ open: {} });
const b = useChromium();

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
