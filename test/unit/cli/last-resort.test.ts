import { describe, expect, it } from "vitest";
import { FaultBudget } from "../../../services/cli/last-resort.js";

describe("the last-resort fault budget", () => {
  it("serves through a few escaped failures, and gives up on a burst", () => {
    let now = 0;
    const budget = new FaultBudget(() => now);
    for (let i = 0; i < 5; i++) expect(budget.record()).toBe(true);
    expect(budget.record()).toBe(false);
  });

  it("forgets failures older than a minute", () => {
    let now = 0;
    const budget = new FaultBudget(() => now);
    for (let i = 0; i < 5; i++) budget.record();
    now = 61_000;
    expect(budget.record()).toBe(true);
    expect(budget.count).toBe(1);
  });
});
