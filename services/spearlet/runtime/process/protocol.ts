import { z } from "zod";
import { MAX_JSON_DEPTH, valueDepth } from "../../../../domain/json-limits.js";

/**
 * Spear's JSON-lines protocol between a warm instance and its worker (a process or a container),
 * documented for function authors in docs/functions.md. It is a wire contract: change it only
 * in ways every existing worker still understands.
 *
 *   worker → spearlet, once, when initialised:   {"ready":true}
 *   spearlet → worker, one line per call:         {"id":"<invocation id>","input":<JSON>}
 *   worker → spearlet, one line per call:         {"id":"<same id>","output":<JSON>}
 *                                               or {"id":"<same id>","error":{"message":"...","code":"..."}}
 */
export const ReadyLine = z.object({ ready: z.literal(true) });

const FunctionFailure = z.object({
  message: z.string().max(4_096),
  code: z.string().max(128).optional(),
});

// The line was parsed as JSON, so `output` is JSON by construction; a recursive schema would only
// add a stack overflow on deep output. A line without `output` is not a result (`null` is one).
const ResultLine = z.union([
  z.object({ id: z.string().min(1), error: FunctionFailure }),
  z.object({ id: z.string().min(1), output: z.unknown() }).refine((l) => l.output !== undefined, "a result line has `output` or `error`"),
]);

export type WorkerResult =
  | { readonly id: string; readonly ok: true; readonly output: unknown }
  | { readonly id: string; readonly ok: false; readonly message: string; readonly code?: string | undefined }
  /** A well-formed answer whose output Spear cannot carry (nested too deeply): the call fails, the worker may serve on. */
  | { readonly id: string; readonly ok: false; readonly invalidOutput: string };

export function encodeRequest(id: string, input: unknown): string {
  return `${JSON.stringify({ id, input: input === undefined ? null : input })}\n`;
}

/** Whether a line is the worker's ready signal. */
export function isReadyLine(line: string): boolean {
  return ReadyLine.safeParse(parseJson(line)).success;
}

/** Decodes a result line; a string describing the problem when the line breaks the protocol. */
export function decodeResult(line: string): WorkerResult | string {
  const json = parseJson(line);
  if (json === undefined) return `not JSON: ${preview(line)}`;
  const parsed = ResultLine.safeParse(json);
  if (!parsed.success) return `not a result line (${parsed.error.issues.map((i) => i.message).join("; ")}): ${preview(line)}`;
  const r = parsed.data;
  if ("error" in r) return { id: r.id, ok: false, message: r.error.message, code: r.error.code };
  if (valueDepth(r.output, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return { id: r.id, ok: false, invalidOutput: `the output is nested deeper than ${MAX_JSON_DEPTH} levels` };
  return { id: r.id, ok: true, output: r.output };
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

const preview = (line: string) => (line.length > 200 ? `${line.slice(0, 200)}…` : line);
