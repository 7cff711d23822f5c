import fc from "fast-check";
import { jsonValue } from "./json.js";

type Path = readonly (string | number)[];

/** Values of the wrong type, at the edges of numbers and strings, or anything at all. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 1e20, -1e20, 9_007_199_254_740_993, Number.MAX_VALUE, "", " ", "x".repeat(5_000), "1e20", "-1", [], {}, [[[]]], { a: null }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.string({ unit: "binary", maxLength: 80 }),
  jsonValue(2),
);

/** Every path into a JSON value (the root included), so a mutation can reach any field. */
function pathsOf(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...at, i], out));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) pathsOf(v, [...at, k], out);
  return out;
}

/** A deep copy of `value` with `fn` applied at `path` (returning undefined drops the field). */
function change(value: unknown, path: Path, fn: (old: unknown) => unknown): unknown {
  if (path.length === 0) return fn(value);
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    const next = change(copy[head as number], rest, fn);
    if (next === undefined && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  const next = change(copy[head as string], rest, fn);
  if (next === undefined && rest.length === 0) delete copy[head as string];
  else copy[head as string] = next;
  return copy;
}

type Mutation = { readonly kind: "drop" | "replace" | "add"; readonly at: number; readonly value: unknown; readonly key: string };

/**
 * Variants of a valid request: one to three fields dropped, replaced by a value of another type
 * or an edge value, or joined by an unknown field. Most are invalid; some stay valid.
 */
export function mutated(valid: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(valid);
  const mutation: fc.Arbitrary<Mutation> = fc.record({
    kind: fc.constantFrom("drop", "replace", "replace", "add"),
    at: fc.nat({ max: paths.length - 1 }),
    value: oddValue,
    key: fc.oneof(fc.constantFrom("__proto__", "constructor", "extra", ""), fc.string({ maxLength: 12 })),
  });
  return fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => {
    let v = valid;
    for (const m of ms) {
      const path = paths[m.at] ?? [];
      if (m.kind === "drop") v = path.length === 0 ? {} : change(v, path, () => undefined);
      else if (m.kind === "replace") v = change(v, path, () => m.value);
      else v = change(v, path, (old) => (old !== null && typeof old === "object" && !Array.isArray(old) ? { ...old, [m.key]: m.value } : old));
    }
    return v;
  });
}
