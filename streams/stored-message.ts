import type { JetStreamManager, MsgRequest, StoredMsg } from "@nats-io/jetstream";
import { streamNames } from "./catalog.js";
import { isNoMessage } from "./nats-errors.js";

/**
 * The streams whose messages clients (requests) or nodes (status reports, the dead letters of
 * their assignments) write, with whatever header block a raw client sends. A direct get of such
 * a message is unsafe: nats.js reads the headers of an empty reply inside the connection's read
 * loop, so a stored message with an empty body and headers it cannot decode (a name with a
 * space) stopped the reading connection from receiving anything until its pings found it stale,
 * minutes later (and one with a body made the get throw). These are read through the stream's
 * message API, whose JSON answer is never empty and whose headers are decoded only when asked
 * for; `rawOf` and `headersOf` then read undecodable ones as none.
 */
const WRITTEN_FROM_OUTSIDE: ReadonlySet<string> = new Set([streamNames.invoke, streamNames.status, streamNames.dlq]);

/** One stored message, or null when there is none: by a direct get (any replica answers) where only Spear writes. */
export async function getStoredMessage(jsm: JetStreamManager, stream: string, query: MsgRequest): Promise<StoredMsg | null> {
  if (!WRITTEN_FROM_OUTSIDE.has(stream)) return jsm.direct.getMessage(stream, query);
  try {
    return await jsm.streams.getMessage(stream, query);
  } catch (e) {
    if (isNoMessage(e)) return null;
    throw e;
  }
}
