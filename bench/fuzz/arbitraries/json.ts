import fc from "fast-check";

/**
 * Generators of JSON and not-quite-JSON for the fuzz tests (test/unit/fuzz) and the fuzz run
 * against real servers (bench/fuzz). Deep and huge texts are built as strings, never through
 * JSON.stringify, which itself runs out of stack a few thousand levels down.
 */

/** Any JSON value of modest size: what a well-behaved client sends. */
export const jsonValue = (maxDepth = 4): fc.Arbitrary<unknown> => fc.jsonValue({ maxDepth });

/** Nesting `depth` levels down: arrays, objects or both alternating, around a scalar. */
export function nestedText(depth: number, shape: "array" | "object" | "mixed" = "array"): string {
  if (shape === "array") return `${"[".repeat(depth)}1${"]".repeat(depth)}`;
  if (shape === "object") return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < depth; i++) {
    open.push(i % 2 === 0 ? "[" : '{"k":');
    close.push(i % 2 === 0 ? "]" : "}");
  }
  return `${open.join("")}null${close.reverse().join("")}`;
}

/** Depths around the interesting edges: the bound (256), where re-encoding fails (~4,000), and far past it. */
export const depthArb: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(255, 256, 257, 2_500, 5_000, 100_000),
  fc.integer({ min: 1, max: 20_000 }),
);

export const deepText: fc.Arbitrary<string> = fc
  .tuple(depthArb, fc.constantFrom<"array" | "object" | "mixed">("array", "object", "mixed"))
  .map(([d, s]) => nestedText(d, s));

/** Text that is almost JSON: cut short, unbalanced, bad escapes, bare words, JSON inside JSON. */
export const brokenJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
  fc.json().map((j) => `${j}}`),
  fc.json().map((j) => `${j} ${j}`),
  fc.constantFrom("{", "}", "[", "]", '{"a":', '"unterminated', "\\u12", '"\\x"', "NaN", "undefined", "Infinity", "-", "01", "1e99999", "tru", "nul", "{'a':1}", "\u0000", "\uFEFF{}"),
  fc.string({ unit: "binary", maxLength: 64 }),
);

/** Bytes of any kind, including invalid UTF-8. */
export const randomBytes = (maxLength = 512): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });

/** A big string value (`bytes` long), as JSON text: `"xxx…"`. */
export const hugeJsonString = (bytes: number): string => `"${"x".repeat(Math.max(0, bytes - 2))}"`;

/** Any text a body may hold: JSON, broken JSON, deep JSON, random characters. */
export const anyJsonishText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.json({ maxDepth: 4 }), weight: 4 },
  { arbitrary: brokenJsonText, weight: 3 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 200 }), weight: 2 },
  { arbitrary: deepText, weight: 1 },
);
