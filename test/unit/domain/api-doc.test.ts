import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderApiDoc } from "../../../infra/docs/api-doc.js";

describe("docs/api.md", () => {
  it("matches the endpoint registry (regenerate with npm run docs)", () => {
    const committed = readFileSync(join(import.meta.dirname, "..", "..", "..", "docs", "api.md"), "utf8");
    expect(committed).toBe(renderApiDoc());
  });
});
