import { describe, expect, it } from "vitest";
import { jsonDepth, MAX_JSON_DEPTH, valueDepth } from "../../../domain/json-limits.js";

const nested = (n: number) => `${"[".repeat(n)}1${"]".repeat(n)}`;

describe("JSON depth", () => {
  it("measures nesting from the text, ignoring brackets inside strings", () => {
    expect(jsonDepth("1")).toBe(0);
    expect(jsonDepth('{"a":[1,{"b":2}]}')).toBe(3);
    expect(jsonDepth('["[[[", "\\"]]"]')).toBe(1);
    expect(jsonDepth(new TextEncoder().encode('{"a":{"b":{}}}'))).toBe(3);
  });

  it("measures any depth without running out of stack, from text or from a value", () => {
    expect(jsonDepth(nested(100_000))).toBe(100_000);
    expect(valueDepth(JSON.parse(nested(50_000)))).toBe(50_000);
    expect(valueDepth(JSON.parse(nested(50_000)), MAX_JSON_DEPTH)).toBe(MAX_JSON_DEPTH + 1);
  });

  it("agrees between text and value", () => {
    const samples = ['{"x":[[{"y":null}],[]]}', "[]", '"s"', nested(300)];
    for (const s of samples) expect(valueDepth(JSON.parse(s))).toBe(jsonDepth(s));
  });
});
