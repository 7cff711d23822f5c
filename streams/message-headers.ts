import type { MsgHdrs } from "@nats-io/transport-node";

/**
 * A received message's headers, or undefined when it has none or nats.js cannot decode them:
 * nats-server passes on any header block a raw client writes (a name with a space, say), and
 * nats.js throws when it is first read. Such headers count as none, so the message is judged by
 * what it says without them (a missing reply subject, id or envelope), never by an exception.
 */
export function headersOf(m: { readonly headers?: MsgHdrs | undefined; readonly header?: MsgHdrs | undefined }): MsgHdrs | undefined {
  try {
    // A delivered message names them `headers`, one read by a direct get `header`.
    return m.headers ?? m.header;
  } catch {
    return undefined;
  }
}
