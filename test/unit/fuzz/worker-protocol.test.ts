import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, valueDepth } from "../../../domain/json-limits.js";
import { decodeResult, encodeRequest, isReadyLine, type WorkerResult } from "../../../services/spearlet/runtime/process/protocol.js";
import { anyJsonishText, deepText, jsonValue, nestedText } from "../../../bench/fuzz/arbitraries/json.js";
import { mutated } from "../../../bench/fuzz/arbitraries/mutate.js";
import { runs, thrown, timed } from "./support/fuzz-config.js";

/**
 * The spearlet reads every line a warm worker writes (docs/functions.md): whatever a guest
 * prints, decodeResult must give a result or a description of the violation (a string), never
 * throw; and a result must be something the spearlet can record: JSON within the depth bound.
 */
function expectTyped(r: WorkerResult | string): void {
  if (typeof r === "string") return;
  expect(typeof r.id === "string" && r.id.length > 0).toBe(true);
  if (r.ok) {
    expect(valueDepth(r.output, MAX_JSON_DEPTH)).toBeLessThanOrEqual(MAX_JSON_DEPTH);
    expect(() => JSON.stringify(r.output)).not.toThrow();
  } else if ("message" in r) {
    expect(typeof r.message).toBe("string");
    expect(r.code === undefined || typeof r.code === "string").toBe(true);
  } else expect(typeof r.invalidOutput).toBe("string");
}

const resultLines = fc.oneof(
  jsonValue().map((output) => JSON.stringify({ id: "inv-1", output })),
  mutated({ id: "inv-1", output: { a: [1, "x"] } }).map((v) => JSON.stringify(v)),
  mutated({ id: "inv-1", error: { message: "boom", code: "bad" } }).map((v) => JSON.stringify(v)),
  deepText.map((t) => `{"id":"inv-1","output":${t}}`),
  anyJsonishText,
);

describe("fuzz: the warm worker protocol (services/spearlet/runtime/process/protocol.ts)", () => {
  it("decodes any line a worker writes to a result or a violation, without throwing", () => {
    fc.assert(
      fc.property(resultLines, (line) => {
        let r: WorkerResult | string = "";
        expect(thrown(() => (r = decodeResult(line)))).toBeUndefined();
        expectTyped(r);
        expect(typeof isReadyLine(line)).toBe("boolean");
      }),
      runs(1_000),
    );
  });

  it("recognises the ready line only as {\"ready\":true}, whatever else a line holds", () => {
    fc.assert(
      fc.property(fc.oneof(anyJsonishText, mutated({ ready: true }).map((v) => JSON.stringify(v))), (line) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          parsed = undefined;
        }
        const isReady = parsed !== null && typeof parsed === "object" && (parsed as { ready?: unknown }).ready === true;
        expect(isReadyLine(line)).toBe(isReady);
      }),
      runs(2_000),
    );
  });

  it("carries outputs and function errors unchanged (round trip through a line)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,60}$/), jsonValue(), (id, output) => {
        const request = JSON.parse(encodeRequest(id, output)) as { id: string; input: unknown };
        expect(request.id).toBe(id);
        const r = decodeResult(JSON.stringify({ id, output: request.input }));
        expect(r).toMatchObject({ id, ok: true });
        expect(JSON.stringify(typeof r === "string" || !r.ok ? undefined : r.output)).toBe(JSON.stringify(output));
      }),
      runs(1_000),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 4_096 }), fc.option(fc.string({ maxLength: 128 }), { nil: undefined }), (message, code) => {
        expect(decodeResult(JSON.stringify({ id: "e", error: { message, code } }))).toEqual({ id: "e", ok: false, message, code });
      }),
      runs(500),
    );
  });

  it("refuses an output nested 100,000 levels as invalid output, promptly, and accepts one at the bound", () => {
    for (const shape of ["array", "object", "mixed"] as const) {
      const { value, ms } = timed(() => decodeResult(`{"id":"d","output":${nestedText(100_000, shape)}}`));
      expect(value).toMatchObject({ id: "d", ok: false, invalidOutput: expect.stringContaining(String(MAX_JSON_DEPTH)) });
      expect(ms).toBeLessThan(2_000);
    }
    expect(decodeResult(`{"id":"d","output":${nestedText(MAX_JSON_DEPTH - 1)}}`)).toMatchObject({ ok: true });
  });

  it("answers a 16 MiB line (the line limit) promptly", () => {
    const { value, ms } = timed(() => decodeResult(`{"id":"h","output":"${"x".repeat(16 * 1_048_576 - 30)}"}`));
    expectTyped(value);
    expect(ms).toBeLessThan(5_000);
  });
});
