import { describe, expect, it } from "vitest";
import { isSpearError } from "../../../domain/errors.js";
import { currentVersion, decodeEvent, encodeEvent, eventCatalog } from "../../../domain/events/catalog.js";

describe("event catalog", () => {
  it("decodes a current-version event and fills defaults", () => {
    const e = decodeEvent("NodeRegistered", 2, {
      name: "n1",
      capabilities: { runtimes: ["wasm"] },
      capacity: { slots: 4 },
    });
    expect(e).toEqual({
      type: "NodeRegistered",
      data: { name: "n1", capabilities: { runtimes: ["wasm"], services: [], languages: [], labels: {} }, capacity: { slots: 4 } },
    });
  });

  it("upcasts NodeRegistered v1 (flat slots and languages) to v2", () => {
    expect(currentVersion("NodeRegistered")).toBe(2);
    const e = decodeEvent("NodeRegistered", 1, { name: "old", slots: 8, runtimes: ["process"], languages: ["en", "zh"] });
    expect(e.data).toEqual({
      name: "old",
      capabilities: { runtimes: ["process"], services: [], languages: ["en", "zh"], labels: {} },
      capacity: { slots: 8 },
    });
  });

  it("refuses a v1 body that is not a valid v1 event", () => {
    expect(() => decodeEvent("NodeRegistered", 1, { name: "old" })).toThrowError(/could not be upcast/);
  });

  it("refuses unknown types, unknown versions and invalid bodies with stable codes", () => {
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isSpearError(e) ? e.code : "not a SpearError";
      }
      return "no error";
    };
    expect(codeOf(() => decodeEvent("NodeExploded", 1, {}))).toBe("unknown_event_type");
    expect(codeOf(() => decodeEvent("NodeDrained", 7, {}))).toBe("invalid_event");
    expect(codeOf(() => decodeEvent("NodeLost", 1, { lastSeenAt: "yesterday", timeoutMs: 5 }))).toBe("invalid_event");
    expect(codeOf(() => encodeEvent({ type: "NodeLost", data: { lastSeenAt: null, timeoutMs: -1 } }))).toBe("invalid_event");
  });

  it("assigns every event type to one of the seven aggregates", () => {
    const aggregates = new Set(Object.values(eventCatalog).map((d) => d.aggregate));
    expect([...aggregates].sort()).toEqual(["artifact", "function", "instance", "invocation", "node", "pool", "session"]);
  });
});
