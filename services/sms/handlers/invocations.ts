import { MAX_STORY_EVENTS, type invocationsApi, type StoryEvent } from "../../../domain/api/invocations.js";
import type { Nats } from "../../../streams/connection.js";
import { listResults } from "../../../streams/invocations/list-results.js";
import { getResult } from "../../../streams/invocations/results.js";
import { replay } from "../../../streams/replay.js";
import type { AreaHandlers } from "../../api/router.js";

/** How far before its recorded submit time an invocation's story is read (clocks of writers differ a little). */
const STORY_MARGIN_MS = 5_000;

/** The invocations' history, from SPEAR_RESULTS and, for one invocation's story, every stream it touched. */
export function invocationsHandlers(nats: Nats): AreaHandlers<typeof invocationsApi> {
  return {
    async list(req) {
      const page = await listResults(nats, {
        fn: req.function,
        status: req.status,
        since: req.since ? new Date(req.since) : undefined,
        until: req.until ? new Date(req.until) : undefined,
        before: req.cursor === undefined ? undefined : Number(req.cursor),
        limit: req.limit,
      });
      return { items: page.items, nextCursor: page.next === null ? null : String(page.next), scanned: page.scanned };
    },
    async story(req) {
      const result = (await getResult(nats.jsm, req.invocationId)) ?? null;
      // A recorded result says when the invocation began: the story is read from there, not over the streams' whole age.
      const since = req.since ? new Date(req.since) : result ? new Date(Date.parse(result.timings.submittedAt) - STORY_MARGIN_MS) : undefined;
      const events: StoryEvent[] = [];
      let truncated = false;
      for await (const r of replay(nats, { invocation: req.invocationId, ...(since ? { since } : {}) })) {
        if (events.length === MAX_STORY_EVENTS) {
          truncated = true;
          break;
        }
        events.push(r);
      }
      return { invocationId: req.invocationId, result, events, truncated };
    },
  };
}
