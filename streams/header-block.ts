/**
 * The header block of a message an ordered or pull consumer delivered ("NATS/1.0\r\n…\r\n\r\n";
 * empty when it has none), or undefined when this client keeps it elsewhere. nats.js holds
 * a delivered message's bytes, header block first, in `msg._rdata`, and the block's length
 * in `msg._msg.hdr` (-1: no headers); its own `headers` decodes every header (several
 * microseconds a message) where a projection needs a few. Only read here, never written; a
 * client that keeps them otherwise makes this undefined and readers fall back to `headers`.
 */
export function headerBlock(m: unknown): Uint8Array | undefined {
  const inner = (m as { msg?: { _rdata?: unknown; _msg?: { hdr?: unknown } } }).msg;
  const bytes = inner?._rdata;
  const hdr = inner?._msg?.hdr;
  if (!(bytes instanceof Uint8Array) || typeof hdr !== "number" || hdr > bytes.length) return undefined;
  return hdr < 0 ? EMPTY : bytes.subarray(0, hdr);
}

const EMPTY = new Uint8Array(0);
