import type { MsgHdrs } from "@nats-io/transport-node";
import { H } from "../domain/headers.js";

/** The headers an event's envelope is read from, by the field they fill. */
const envelopeFields = new Map<string, EnvelopeField>([
  [H.eventType, "eventType"],
  [H.aggregateId, "aggregateId"],
  [H.eventId, "eventId"],
  [H.msgId, "msgId"],
  [H.schemaVersion, "schemaVersion"],
  [H.aggregateType, "aggregateType"],
  [H.occurredAt, "occurredAt"],
  [H.correlationId, "correlationId"],
  [H.causationId, "causationId"],
]);
type EnvelopeField = "eventType" | "aggregateId" | "eventId" | "msgId" | "schemaVersion" | "aggregateType" | "occurredAt" | "correlationId" | "causationId";

/** The first value of each envelope header, as `MsgHdrs.get` gives it: the name exactly as written; "" for an empty value. */
export type EnvelopeHeaders = Partial<Record<EnvelopeField, string>>;

/** The envelope headers of decoded headers, in one pass over them (each lookup by name would scan every name). */
export function envelopeOfHeaders(h: MsgHdrs | undefined): EnvelopeHeaders {
  const out: EnvelopeHeaders = {};
  if (!h) return out;
  for (const [name, values] of h) {
    const field = envelopeFields.get(name);
    if (field) out[field] = values[0] ?? "";
  }
  return out;
}

const COLON = 0x3a;
const decoder = new TextDecoder();
const names = [...envelopeFields];

/** The envelope field whose header name is text[start, end), if any (compared in place: no name is copied). */
function fieldAt(text: string, start: number, end: number): EnvelopeField | undefined {
  for (const [name, field] of names) if (name.length === end - start && text.startsWith(name, start)) return field;
  return undefined;
}

/** Whether text[from, to) holds a CR or LF (a line's own end bounds each search). */
function hasLineBreak(text: string, from: number, to: number): boolean {
  const cr = text.indexOf("\r", from);
  const lf = text.indexOf("\n", from);
  return (cr >= 0 && cr < to) || (lf >= 0 && lf < to);
}

const isAsciiSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/**
 * The envelope headers of a raw header block, read as nats.js's `MsgHdrs` decodes it (lines
 * split at CRLF after the status line, a name up to the first colon, its value trimmed), but
 * copying only the envelope's values. Undefined for a block it refuses to decode (a name with
 * a character outside 33–126, a value with a CR or LF inside).
 */
export function envelopeOfBlock(block: Uint8Array): EnvelopeHeaders | undefined {
  const out: EnvelopeHeaders = {};
  if (block.length === 0) return out;
  const text = decoder.decode(block);
  let start = text.indexOf("\r\n");
  if (start < 0) return out;
  for (start += 2; start < text.length; ) {
    let end = text.indexOf("\r\n", start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(":", start);
    if (colon >= 0 && colon < end) {
      for (let i = start; i < colon; i++) {
        const c = text.charCodeAt(i);
        if (c < 33 || c > 126 || c === COLON) return undefined;
      }
      let from = colon + 1;
      let to = end;
      while (from < to && isAsciiSpace(text.charCodeAt(from))) from++;
      while (to > from && isAsciiSpace(text.charCodeAt(to - 1))) to--;
      // The other characters String.trim removes are not ASCII: such a value is trimmed by it.
      const trimmed = from < to && (text.charCodeAt(from) > 0x7f || text.charCodeAt(to - 1) > 0x7f) ? text.slice(colon + 1, end).trim() : undefined;
      if (trimmed === undefined ? hasLineBreak(text, from, to) : hasLineBreak(trimmed, 0, trimmed.length)) return undefined;
      const field = fieldAt(text, start, colon);
      if (field && out[field] === undefined) out[field] = trimmed ?? text.slice(from, to);
    }
    start = end + 2;
  }
  return out;
}
