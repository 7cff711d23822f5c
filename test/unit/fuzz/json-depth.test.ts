import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonDepth, MAX_JSON_DEPTH, valueDepth } from "../../../domain/json-limits.js";
import { anyJsonishText, depthArb, jsonValue, nestedText, randomBytes } from "../../../bench/fuzz/arbitraries/json.js";
import { runs, timed } from "./support/fuzz-config.js";

/**
 * The depth bound (domain/json-limits.ts) guards every edge that takes JSON from outside, so
 * its measures must agree with each other and with the parser, and hold on any input.
 */
const enc = new TextEncoder();

describe("fuzz: the JSON depth bound (domain/json-limits.ts)", () => {
  it("measures the same depth from the text, its bytes and the parsed value", () => {
    fc.assert(
      fc.property(jsonValue(8), (v) => {
        const text = JSON.stringify(v);
        expect(jsonDepth(text)).toBe(valueDepth(v));
        expect(jsonDepth(enc.encode(text))).toBe(valueDepth(v));
      }),
      runs(2_000),
    );
  });

  it("never throws on text or bytes that are not JSON, and agrees between the two", () => {
    fc.assert(
      fc.property(fc.oneof(anyJsonishText, fc.string({ unit: "binary" })), (text) => {
        const d = jsonDepth(text);
        expect(Number.isInteger(d) && d >= 0).toBe(true);
        expect(jsonDepth(enc.encode(text))).toBe(d);
      }),
      runs(2_000),
    );
    fc.assert(
      fc.property(randomBytes(), (bytes) => {
        expect(jsonDepth(bytes)).toBeGreaterThanOrEqual(0);
      }),
      runs(1_000),
    );
  });

  it("stops counting a value just past the limit it is given", () => {
    fc.assert(
      fc.property(depthArb, fc.integer({ min: 0, max: 1_000 }), (depth, limit) => {
        const v: unknown = JSON.parse(nestedText(depth, "mixed"));
        expect(valueDepth(v, limit)).toBe(Math.min(depth, limit + 1));
      }),
      runs(100),
    );
  });

  it("measures 100,000 levels (and wide values) promptly, without recursion", () => {
    for (const shape of ["array", "object", "mixed"] as const) {
      const text = nestedText(100_000, shape);
      const { value, ms } = timed(() => [jsonDepth(text), valueDepth(JSON.parse(text)), valueDepth(JSON.parse(text), MAX_JSON_DEPTH)]);
      expect(value).toEqual([100_000, 100_000, MAX_JSON_DEPTH + 1]);
      expect(ms).toBeLessThan(2_000);
    }
    const wide = `[${"[1],".repeat(200_000)}1]`;
    expect(timed(() => valueDepth(JSON.parse(wide))).ms).toBeLessThan(2_000);
  });
});
