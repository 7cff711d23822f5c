import { z } from "zod";
import { InvocationRedriven } from "../events/invocation.js";
import { FunctionName, Instant, InvocationId } from "../ids.js";
import { endpoint } from "./endpoint.js";
import { ScanPageRequest, scanPage } from "./envelope.js";

const Sequence = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
/** A subject token: what `spear.dlq.<source>.<key>` holds. */
const SubjectToken = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, '_' and '-', at most 64");

/** One entry of SPEAR_DLQ, without the original body. */
export const DeadLetterSummary = z.object({
  seq: Sequence,
  /** When it was dead-lettered. */
  time: Instant,
  subject: z.string(),
  /** What gave up on the message: `invocation` (out of attempts, or a request that cannot be handled), `projection`, `assign`, `events`. */
  source: z.string(),
  /** The function, projection, node or aggregate type it is about. */
  key: z.string(),
  code: z.string(),
  reason: z.string(),
  /** Where the original message was stored. */
  from: z.object({ stream: z.string(), seq: z.number().int().nonnegative(), subject: z.string() }).nullable(),
  /** An invocation's dead letter: which invocation, of which function. */
  invocationId: InvocationId.optional(),
  function: FunctionName.optional(),
  /** Bytes of the original body. */
  size: z.number().int().nonnegative(),
  /** An invocation sent back already: the new invocation and when (one per invocation). */
  redrive: InvocationRedriven.pick({ redriveId: true, redrivenAt: true, dlqSeq: true }).nullable(),
});
export type DeadLetterSummary = z.infer<typeof DeadLetterSummary>;

/** One entry with the original headers and body (JSON when it parses, else text). */
export const DeadLetterEntry = DeadLetterSummary.extend({ headers: z.record(z.string(), z.string()), data: z.unknown() });
export type DeadLetterEntry = z.infer<typeof DeadLetterEntry>;

export const DeadLetterFilter = z.object({
  source: SubjectToken.optional().describe("Only dead letters of this source (invocation, projection, assign, events)"),
  code: z.string().min(1).max(64).optional().describe("Only dead letters with this code (attempts_exhausted, internal, ...)"),
  function: FunctionName.optional().describe("Only invocations of this function"),
});

export const RedriveRequest = z.union([
  z.object({ seq: Sequence.describe("The dead letter to send back") }).strict(),
  z
    .object({
      code: DeadLetterFilter.shape.code,
      function: DeadLetterFilter.shape.function,
      limit: z.number().int().min(1).max(100).default(10).describe("At most this many invocations, newest first"),
    })
    .strict(),
]);
export type RedriveRequest = z.output<typeof RedriveRequest>;

export const Redriven = z.object({
  seq: Sequence,
  invocationId: InvocationId,
  function: FunctionName,
  /** The new invocation that runs the request again: attempt 1, its own one result. */
  redriveId: InvocationId,
  /** True when this call sent it back; false when it had been sent back before (the same redriveId). */
  redriven: z.boolean(),
});
export type Redriven = z.infer<typeof Redriven>;

export const dlqApi = {
  list: endpoint("dlq", "list", {
    kind: "query",
    description:
      "Dead letters, newest first, a page at a time, filtered by source, code and function; each invocation's with the redrive recorded for it, if any.",
    request: DeadLetterFilter.extend(ScanPageRequest.shape),
    result: scanPage(DeadLetterSummary),
    operatorsOnly: true,
  }),
  get: endpoint("dlq", "get", {
    kind: "query",
    description: "One dead letter with the original headers and body.",
    request: z.object({ seq: Sequence }),
    result: DeadLetterEntry,
    errors: ["dead_letter_not_found"],
    operatorsOnly: true,
  }),
  redrive: endpoint("dlq", "redrive", {
    kind: "command",
    description:
      "Send dead-lettered invocations back, each as a new invocation (attempt 1) with the same request, and record InvocationRedriven on the invocation: one dead letter by seq, or the newest ones not sent back yet, filtered by code and function, up to limit. Idempotent: an invocation is sent back once, however often it is asked for.",
    request: RedriveRequest,
    result: z.object({
      items: z.array(Redriven),
      /** Entries of the range that could not be sent back (their request no longer parses, say). */
      skipped: z.array(z.object({ seq: Sequence, code: z.string(), message: z.string() })),
    }),
    errors: ["dead_letter_not_found", "not_redrivable", "payload_not_found"],
    operatorsOnly: true,
    timeoutMs: 30_000,
  }),
};
