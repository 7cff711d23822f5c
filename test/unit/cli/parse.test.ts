import { describe, expect, it } from "vitest";
import { parseSince } from "../../../services/cli/parse.js";

describe("parseSince", () => {
  const now = new Date("2026-11-22T12:00:00Z");
  it("reads durations back from now", () => {
    expect(parseSince("10m", now).toISOString()).toBe("2026-11-22T11:50:00.000Z");
    expect(parseSince("2h", now).toISOString()).toBe("2026-11-22T10:00:00.000Z");
  });
  it("reads ISO times", () => {
    expect(parseSince("2026-11-01T08:30:00Z", now).toISOString()).toBe("2026-11-01T08:30:00.000Z");
  });
  it("refuses anything else with a message naming the value", () => {
    expect(() => parseSince("yesterday", now)).toThrow(/'yesterday' is neither a duration/);
    expect(() => parseSince("2026-13-45", now)).toThrow(/neither/);
  });
});
