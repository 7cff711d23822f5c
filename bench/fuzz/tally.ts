import type { Edge } from "./params.js";

/**
 * How one message was answered:
 * - `accepted`: a well-formed success (an API `ok: true`, an HTTP 2xx, a succeeded result);
 * - `rejected`: a typed refusal (an error code from domain/errors.ts, or a final result with a
 *   status and, unless succeeded, such a code), as the contract promises for bad input;
 * - `untyped`: an answer outside the contract (not JSON, no code, a code outside the catalog,
 *   a status that disagrees with the code, an input that should have been refused but was not);
 * - `missing`: no answer within the time allowed (a stall).
 */
export type VerdictKind = "accepted" | "rejected" | "untyped" | "missing";

export interface Verdict {
  readonly kind: VerdictKind;
  /** The code or status seen (`invalid_argument`, `rejected:invalid_request`, `http 413`, ...). */
  readonly code?: string;
  /** Why it is not typed, for untyped and missing answers. */
  readonly problem?: string;
}

/** A message that was not answered as the contract says (or answered `internal`), kept to replay it. */
export interface Sample {
  readonly edge: Edge;
  readonly index: number;
  readonly kind: VerdictKind;
  readonly problem: string;
  /** What was sent, shortened: subject or route, headers, the start of the body. */
  readonly message: string;
}

export interface EdgeTally {
  sent: number;
  accepted: number;
  rejected: number;
  untyped: number;
  missing: number;
  /** Answers with code `internal`: typed, but an unexpected failure inside Spear. */
  internal: number;
  /** How often each code or status was seen. */
  codes: Record<string, number>;
}

export const emptyTally = (): EdgeTally => ({ sent: 0, accepted: 0, rejected: 0, untyped: 0, missing: 0, internal: 0, codes: {} });

export class Tallies {
  readonly byEdge: Record<Edge, EdgeTally> = { api: emptyTally(), invoke: emptyTally(), http: emptyTally(), guest: emptyTally() };
  readonly samples: Sample[] = [];

  constructor(private readonly samplesPerEdge: number) {}

  record(edge: Edge, index: number, describe: () => string, v: Verdict): void {
    const t = this.byEdge[edge];
    t.sent++;
    t[v.kind]++;
    const internal = v.code === "internal" || v.code?.endsWith(":internal") === true;
    if (v.code) t.codes[v.code] = (t.codes[v.code] ?? 0) + 1;
    if (internal) t.internal++;
    const bad = v.kind === "untyped" || v.kind === "missing" || internal;
    if (bad && this.samples.filter((s) => s.edge === edge).length < this.samplesPerEdge) {
      this.samples.push({ edge, index, kind: v.kind, problem: v.problem ?? v.code ?? "", message: describe() });
    }
  }
}

/** A short, printable account of a body: its length and its start. */
export function preview(body: Uint8Array | string, max = 160): string {
  const text = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  return `${text.length} chars: ${JSON.stringify(shown)}`;
}
