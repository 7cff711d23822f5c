/**
 * How deeply JSON from outside (invocation inputs, function outputs, API bodies) may nest.
 * Parsing deep JSON is safe, but re-encoding it and validating it with recursive schemas run
 * out of stack a few thousand levels down; the bound keeps every hop far from that.
 */
export const MAX_JSON_DEPTH = 256;

const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const utf8 = new TextEncoder();

/**
 * The deepest nesting of arrays and objects in JSON text, found by one pass over its bytes
 * (strings skipped) without parsing or recursion, so it is safe on any input. Text that is not
 * JSON gives a number too; the parser refuses it afterwards.
 */
export function jsonDepth(json: Uint8Array | string): number {
  // Over bytes the loop reads the array directly: it runs over every message a projection reads.
  // UTF-8 keeps the structural characters and writes nothing else below 0x80, so text's depth is its bytes'.
  const bytes = typeof json === "string" ? utf8.encode(json) : json;
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) max = Math.max(max, ++depth);
    else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return max;
}

/** The depth of a value already parsed (iterative: any depth is safe to measure). */
export function valueDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    const here = d + 1;
    if (here > max) max = here;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, here]);
  }
  return max;
}
