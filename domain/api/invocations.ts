import { z } from "zod";
import { InvocationFinished, InvocationStatus } from "../events/invocation.js";
import { FunctionName, Instant, InvocationId } from "../ids.js";
import { endpoint } from "./endpoint.js";
import { ScanPageRequest, scanPage } from "./envelope.js";

/** One stored message of an invocation's story, as `spear replay --json` prints it. */
export const StoryEvent = z.object({
  stream: z.string(),
  seq: z.number().int().nonnegative(),
  subject: z.string(),
  time: z.string(),
  type: z.string().nullable(),
  aggregate: z.object({ type: z.string(), id: z.string() }).nullable(),
  headers: z.record(z.string(), z.string()),
  data: z.unknown(),
  /** Set when the message could not be decoded as a Spear event; `data` is then the raw body. */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type StoryEvent = z.infer<typeof StoryEvent>;

/** The most events a story answers with (an invocation has a handful per attempt). */
export const MAX_STORY_EVENTS = 1_000;

export const invocationsApi = {
  list: endpoint("invocations", "list", {
    kind: "query",
    description:
      "Final results, newest first (by when they were recorded), a page at a time, filtered by function, status and time; read from SPEAR_RESULTS, so as far back as the result TTL.",
    request: z.object({
      function: FunctionName.optional(),
      status: InvocationStatus.optional(),
      since: Instant.optional().describe("Recorded at or after this time"),
      until: Instant.optional().describe("Recorded at or before this time"),
      ...ScanPageRequest.shape,
    }),
    result: scanPage(InvocationFinished),
    operatorsOnly: true,
  }),
  story: endpoint("invocations", "story", {
    kind: "query",
    description:
      "One invocation's whole story from the streams, oldest first, as spear replay --invocation shows it: requested, assigned, retried, dead-lettered, redriven, finished.",
    request: z.object({
      invocationId: InvocationId,
      since: Instant.optional().describe("It was submitted after this time (narrows the read; by default from its result's submit time, else the request stream's whole max age)"),
    }),
    result: z.object({
      invocationId: InvocationId,
      result: InvocationFinished.nullable(),
      events: z.array(StoryEvent),
      /** More than the events shown were found (at most 1,000 are). */
      truncated: z.boolean(),
    }),
    operatorsOnly: true,
    timeoutMs: 30_000,
  }),
};
