import { crc32 } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { WasmHarness, call, exampleWasm } from "./wasm-fixtures.js";

/** What examples/wordcount must answer, computed here independently. */
function expectedCount(text: string) {
  const utf8 = Buffer.from(text, "utf8");
  return {
    bytes: utf8.length,
    chars: [...text].length,
    words: text.split(/[ \t\n\v\f\r]+/).filter(Boolean).length,
    lines: [...text].filter((c) => c === "\n").length,
    crc32: crc32(utf8),
  };
}

describe("wasm examples (built from examples/*/*.wat)", () => {
  const echo = exampleWasm("echo");
  const wordcount = exampleWasm("wordcount");
  const node = new WasmHarness([echo, wordcount]);
  afterAll(() => node.close());

  it("echo returns its JSON input unchanged", async () => {
    const inst = await node.instance(echo);
    const inputs = [
      { hello: "world" },
      [1, 2.5, null, true, "x"],
      "plain string with \"quotes\" and \u00e9 \ud83d\ude00",
      0,
      null,
      { nested: { deep: Array.from({ length: 50 }, (_, i) => ({ i, s: "y".repeat(i) })) } },
    ];
    for (const input of inputs) {
      const out = await call(inst, input);
      expect(out).toMatchObject({ ok: true, output: input });
    }
  });

  it("echo streams an input larger than its buffer", async () => {
    const inst = await node.instance(echo);
    const big = { blob: "z".repeat(300_000), list: Array.from({ length: 2_000 }, (_, i) => i) };
    expect(await call(inst, big)).toMatchObject({ ok: true, output: big });
  });

  it("wordcount counts bytes, characters, words and lines and computes the CRC-32", async () => {
    const inst = await node.instance(wordcount);
    const texts = [
      "the quick brown fox\njumps over the lazy dog\n",
      "",
      "   leading and trailing   ",
      "tabs\tand\r\nwindows\vlines\fhere",
      "unicode: caf\u00e9 \u4e2d\u6587 \ud83d\ude00 \ud800 lone surrogate",
      'escapes: "quoted" \\ back\\slash / slash \b\f',
      "word ".repeat(40_000),
    ];
    for (const text of texts) {
      const out = await call(inst, text);
      expect(out, JSON.stringify(text).slice(0, 80)).toMatchObject({ ok: true, output: expectedCount(text) });
    }
  });

  it("wordcount refuses input that is not a JSON string, with its message", async () => {
    const inst = await node.instance(wordcount);
    const out = await call(inst, { text: "not a string" });
    expect(out).toMatchObject({ ok: false, instanceBroken: false, error: { code: "function_error" } });
    expect(!out.ok && out.error.message).toMatch(/exited with code 1.*input must be a JSON string/);
    expect(await call(inst, "still serving")).toMatchObject({ ok: true, output: expectedCount("still serving") });
  });

  it("wordcount that needs more memory than its limit fails as memory_limit_exceeded", async () => {
    const inst = await node.instance(wordcount, { limits: { memoryMb: 1 } });
    const out = await call(inst, "x".repeat(1_500_000));
    expect(out).toMatchObject({ ok: false, error: { code: "memory_limit_exceeded" } });
    expect(!out.ok && out.error.message).toMatch(/larger than the memory limit allows/);
  });
});
