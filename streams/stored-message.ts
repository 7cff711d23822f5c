import type { JetStreamManager, MsgRequest, StoredMsg } from "@nats-io/jetstream";
import { errors } from "@nats-io/transport-node";
import { isNoMessage } from "./nats-errors.js";

/**
 * One stored message by a direct get (any replica answers), or null when there is none.
 * nats.js reads the reply's headers before it returns, and throws when a raw client stored
 * headers it cannot decode (a name with a space); such a message is read again through the
 * stream's own message API, whose headers are decoded only when asked for, so `rawOf` and
 * `headersOf` then read them as none instead of the reader failing at that message forever.
 */
export async function getStoredMessage(jsm: JetStreamManager, stream: string, query: MsgRequest): Promise<StoredMsg | null> {
  try {
    return await jsm.direct.getMessage(stream, query);
  } catch (e) {
    if (!(e instanceof errors.InvalidArgumentError)) throw e;
  }
  try {
    return await jsm.streams.getMessage(stream, query);
  } catch (e) {
    if (isNoMessage(e)) return null;
    throw e;
  }
}
