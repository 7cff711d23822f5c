import type { dlqApi } from "../../../domain/api/dlq.js";
import { getDeadLetter, listDeadLetters, toDeadLetter } from "../../../streams/dead-letters.js";
import type { Nats } from "../../../streams/connection.js";
import { DEFAULT_MAX_SCAN } from "../../../streams/read-backwards.js";
import type { AreaHandlers } from "../../api/router.js";
import { withRedrive, type Redriver } from "../redrive.js";

/** Dead letters are read from SPEAR_DLQ itself (kept forever, read newest first a page at a time), not from a read model. */
export function dlqHandlers(nats: Nats, redriver: Redriver): AreaHandlers<typeof dlqApi> {
  return {
    async list(req) {
      const page = await listDeadLetters(nats, {
        source: req.source,
        code: req.code,
        function: req.function,
        before: req.cursor === undefined ? undefined : Number(req.cursor),
        limit: req.limit,
        maxScan: DEFAULT_MAX_SCAN,
      });
      const items = await Promise.all(page.items.map(({ headers: _h, data: _d, ...summary }) => withRedrive(redriver, summary)));
      return { items, nextCursor: page.next === null ? null : String(page.next), scanned: page.scanned };
    },
    async get(req) {
      return withRedrive(redriver, toDeadLetter(await getDeadLetter(nats.jsm, req.seq)));
    },
    redrive: (req, ctx) => redriver.redrive(req, ctx.correlationId),
  };
}
