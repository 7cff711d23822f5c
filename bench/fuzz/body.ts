import fc from "fast-check";
import { brokenJsonText, depthArb, hugeJsonString, jsonValue, nestedText, randomBytes } from "./arbitraries/json.js";
import { mutated } from "./arbitraries/mutate.js";

/**
 * A message body, described rather than built: a plan of thousands of messages holds the
 * descriptions, and each big body (up to a whole NATS message) exists only while it is sent.
 */
export type BodySpec =
  | { readonly kind: "json"; readonly value: unknown }
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "bytes"; readonly bytes: Uint8Array }
  | { readonly kind: "empty" }
  /** `{"<field>": "xxx…"}` (or the bare string) of `size` bytes. */
  | { readonly kind: "huge"; readonly size: number; readonly field?: string }
  /** A value nested `depth` levels, as the body or as `field` of it. */
  | { readonly kind: "deep"; readonly depth: number; readonly shape: "array" | "object" | "mixed"; readonly field?: string };

const enc = new TextEncoder();

export function bodyBytes(b: BodySpec): Uint8Array {
  switch (b.kind) {
    case "json":
      return enc.encode(JSON.stringify(b.value) ?? "null");
    case "text":
      return enc.encode(b.text);
    case "bytes":
      return b.bytes;
    case "empty":
      return new Uint8Array(0);
    case "huge":
      return enc.encode(b.field ? `{${JSON.stringify(b.field)}:${hugeJsonString(b.size)}}` : hugeJsonString(b.size));
    case "deep":
      return enc.encode(b.field ? `{${JSON.stringify(b.field)}:${nestedText(b.depth, b.shape)}}` : nestedText(b.depth, b.shape));
  }
}

/** A short description for the evidence of a failed message. */
export function describeBody(b: BodySpec): string {
  switch (b.kind) {
    case "json":
      return `json ${(JSON.stringify(b.value) ?? "undefined").slice(0, 200)}`;
    case "text":
      return `text ${JSON.stringify(b.text.slice(0, 200))}`;
    case "bytes":
      return `bytes [${Array.from(b.bytes.slice(0, 40)).join(",")}${b.bytes.length > 40 ? ",…" : ""}] (${b.bytes.length})`;
    case "empty":
      return "empty";
    case "huge":
      return `huge string of ${b.size} bytes${b.field ? ` in field ${b.field}` : ""}`;
    case "deep":
      return `${b.shape} nested ${b.depth} levels${b.field ? ` in field ${b.field}` : ""}`;
  }
}

/**
 * Bodies for an edge whose valid request is `seed`: mostly mutations of it, then random JSON,
 * not-JSON, empty, huge (`hugeBytes`, near the edge's size limit) and deeply nested ones.
 */
export function bodyArb(seed: unknown, o: { hugeBytes: readonly number[]; deepField: string }): fc.Arbitrary<BodySpec> {
  return fc.oneof(
    { arbitrary: fc.constant<BodySpec>({ kind: "json", value: seed }), weight: 2 },
    { arbitrary: mutated(seed).map((value): BodySpec => ({ kind: "json", value })), weight: 8 },
    { arbitrary: jsonValue().map((value): BodySpec => ({ kind: "json", value })), weight: 3 },
    { arbitrary: brokenJsonText.map((text): BodySpec => ({ kind: "text", text })), weight: 2 },
    { arbitrary: randomBytes(64).map((bytes): BodySpec => ({ kind: "bytes", bytes })), weight: 1 },
    { arbitrary: fc.constant<BodySpec>({ kind: "empty" }), weight: 1 },
    { arbitrary: fc.tuple(fc.constantFrom(...o.hugeBytes), fc.option(fc.constant(o.deepField), { nil: undefined })).map(([size, field]): BodySpec => (field ? { kind: "huge", size, field } : { kind: "huge", size })), weight: 1 },
    {
      arbitrary: fc
        .tuple(depthArb, fc.constantFrom<"array" | "object" | "mixed">("array", "object", "mixed"), fc.option(fc.constant(o.deepField), { nil: undefined }))
        .map(([depth, shape, field]): BodySpec => (field ? { kind: "deep", depth, shape, field } : { kind: "deep", depth, shape })),
      weight: 2,
    },
  );
}
