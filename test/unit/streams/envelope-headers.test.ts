import { MsgHdrsImpl } from "@nats-io/nats-core/internal";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { H } from "../../../domain/headers.js";
import { metaHeaders, newMeta } from "../../../streams/codec.js";
import { envelopeOfBlock, envelopeOfHeaders, type EnvelopeHeaders } from "../../../streams/envelope-headers.js";
import { runs } from "../fuzz/support/fuzz-config.js";

const enc = new TextEncoder();

/** What readMeta got before it read header blocks: nats.js's decoding, then each envelope header by name; undefined where that decoding throws. */
function asMsgHdrsReadIt(block: Uint8Array): EnvelopeHeaders | undefined {
  try {
    return envelopeOfHeaders(MsgHdrsImpl.decode(block));
  } catch {
    return undefined;
  }
}

const envelopeNames = [H.eventType, H.aggregateId, H.eventId, H.msgId, H.schemaVersion, H.aggregateType, H.occurredAt, H.correlationId, H.causationId];
const name = fc.oneof(
  { arbitrary: fc.constantFrom(...envelopeNames), weight: 4 },
  { arbitrary: fc.constantFrom(...envelopeNames.map((n) => n.toLowerCase())), weight: 1 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 12 }), weight: 1 },
  { arbitrary: fc.constant(""), weight: 1 },
);
const value = fc.oneof(
  { arbitrary: fc.string({ unit: "binary", maxLength: 24 }), weight: 3 },
  { arbitrary: fc.constantFrom(" v ", "\tv\t", "\u00a0v\u00a0", "\ufeffv", "v\u2028", "a\rb", "a\nb", " \n", "\r ", "", " ", "x:y"), weight: 2 },
);
const line = fc.oneof({ arbitrary: fc.tuple(name, value).map(([n, v]) => `${n}:${v}`), weight: 5 }, { arbitrary: fc.string({ unit: "binary", maxLength: 20 }), weight: 1 });
const block = fc.tuple(fc.constantFrom("NATS/1.0", "NATS/1.0 503", "x"), fc.array(line, { maxLength: 8 }), fc.constantFrom("\r\n\r\n", "\r\n", "")).map(([status, lines, end]) => enc.encode([status, ...lines].join("\r\n") + end));

describe("envelope headers from a raw header block (streams/envelope-headers.ts)", () => {
  it("reads what nats.js's header decoding reads, and refuses what it refuses", () => {
    fc.assert(
      fc.property(block, (b) => {
        expect(envelopeOfBlock(b)).toEqual(asMsgHdrsReadIt(b));
      }),
      runs(5_000),
    );
  });

  it("reads the envelope Spear writes", () => {
    const meta = newMeta({ type: "NodeDrained", data: {} } as never, { type: "node", id: "n-1" }, { correlationId: "c-1", causationId: "k-1" });
    const b = (metaHeaders(meta) as MsgHdrsImpl).encode();
    expect(envelopeOfBlock(b)).toEqual(asMsgHdrsReadIt(b));
    expect(envelopeOfBlock(b)).toMatchObject({ eventType: "NodeDrained", aggregateId: "n-1", correlationId: "c-1", causationId: "k-1", schemaVersion: "1" });
  });

  it("reads no headers from an empty block", () => {
    expect(envelopeOfBlock(new Uint8Array(0))).toEqual({});
  });
});
