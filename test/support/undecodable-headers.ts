import { headers, type MsgHdrs } from "@nats-io/transport-node";
import { addUnreadable } from "../../bench/fuzz/arbitraries/headers.js";

/** A header block nats.js cannot decode (a name with a space), as a raw client in another language may send it. */
export function undecodableHeaders(): MsgHdrs {
  const h = headers();
  addUnreadable(h, "Bad Name");
  return h;
}
