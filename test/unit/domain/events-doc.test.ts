import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderEventsDoc } from "../../../infra/docs/events-doc.js";

describe("docs/events.md", () => {
  it("matches the event schemas (regenerate with npm run docs)", () => {
    const committed = readFileSync(join(import.meta.dirname, "..", "..", "..", "docs", "events.md"), "utf8");
    expect(committed).toBe(renderEventsDoc());
  });
});
