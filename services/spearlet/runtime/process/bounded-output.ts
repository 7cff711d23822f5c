import { jsonDepth, MAX_JSON_DEPTH } from "../../../../domain/json-limits.js";
import type { Readable } from "node:stream";

export interface BoundedOutput {
  /** More than the bound arrived; the rest was dropped. */
  readonly overflowed: boolean;
  text(): string;
}

/**
 * Gathers a per-call worker's stdout up to `maxBytes`. Past the bound the output is useless, so
 * `onOverflow` stops the worker instead of buffering on.
 */
export function collectBounded(stream: Readable, maxBytes: number, onOverflow: () => void): BoundedOutput {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflowed = false;
  stream.on("data", (chunk: Buffer) => {
    if (overflowed) return;
    size += chunk.length;
    if (size > maxBytes) {
      overflowed = true;
      chunks.length = 0;
      onOverflow();
      return;
    }
    chunks.push(chunk);
  });
  return {
    get overflowed() {
      return overflowed;
    },
    text: () => Buffer.concat(chunks).toString("utf8"),
  };
}

/** The outcome text of a per-call worker's stdout: one JSON value, or why it is not one. */
export function parseOutput(text: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, problem: "nothing was written on stdout" };
  if (jsonDepth(trimmed) > MAX_JSON_DEPTH) return { ok: false, problem: `the output is nested deeper than ${MAX_JSON_DEPTH} levels` };
  try {
    return { ok: true, value: JSON.parse(trimmed) as unknown };
  } catch {
    return { ok: false, problem: `stdout is not one JSON value: ${trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed}` };
  }
}
