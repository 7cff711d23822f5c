import { describe, expect, it } from "vitest";
import { NodesFoundFull } from "../../../services/scheduler/full-nodes.js";

describe("nodes found full", () => {
  it("are skipped until they free a slot or the mark gets old", () => {
    let now = 1_000;
    const full = new NodesFoundFull(250, () => now);
    full.mark("n1");
    full.mark("n2");
    expect(full.has("n1")).toBe(true);
    full.clear("n1");
    expect(full.has("n1")).toBe(false);
    now += 249;
    expect(full.has("n2")).toBe(true);
    now += 1;
    expect(full.has("n2")).toBe(false);
    full.mark("n3");
    full.clearAll();
    expect(full.has("n3")).toBe(false);
  });
});
