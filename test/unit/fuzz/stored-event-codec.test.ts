import { headers as natsHeaders, type MsgHdrs } from "@nats-io/transport-node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isErrorCode, SpearError } from "../../../domain/errors.js";
import { eventTypes, type DomainEvent } from "../../../domain/events/catalog.js";
import { H } from "../../../domain/headers.js";
import { streamNames } from "../../../streams/catalog.js";
import { decodeRecorded, encodeEnvelope, newMeta, type RawStoredMessage } from "../../../streams/codec.js";
import { encodeJson } from "../../../streams/json.js";
import { headerValue } from "../../../bench/fuzz/arbitraries/headers.js";
import { anyJsonishText, hugeJsonString, jsonValue, nestedText, randomBytes } from "../../../bench/fuzz/arbitraries/json.js";
import { mutated } from "../../../bench/fuzz/arbitraries/mutate.js";
import { invocationAssigned, invocationFinished, nodeStatusReported } from "./support/event-arbitraries.js";
import { runs, timed } from "./support/fuzz-config.js";

/**
 * decodeRecorded turns every stored message (ours, or anything any client published on a
 * stream's subjects) into a typed event or a SpearError with a catalog code: projections, the
 * spearlets' assignment consumers, replay and lease recovery all rely on that to dead-letter
 * or skip a bad message instead of stopping. What it accepts, they write again (results,
 * replies, `spear replay --json`), so an accepted event must encode again too.
 */
const enc = new TextEncoder();
const TIME = "2026-12-04T10:00:00.000Z";
const streams = Object.values(streamNames);

function raw(subject: string, body: Uint8Array, hdrs: Record<string, string> | MsgHdrs | undefined, seq = 3): RawStoredMessage {
  let h: MsgHdrs | undefined;
  if (hdrs && typeof (hdrs as MsgHdrs).get === "function") h = hdrs as MsgHdrs;
  else if (hdrs) {
    h = natsHeaders();
    for (const [k, v] of Object.entries(hdrs as Record<string, string>)) h.set(k, v);
  }
  return { subject, seq, headers: h, data: body, time: TIME };
}

/** Decodes and says what happened: the event, or the SpearError; anything else thrown fails the property. */
function decode(msg: RawStoredMessage, stream: string): { event?: ReturnType<typeof decodeRecorded>; error?: SpearError } {
  try {
    return { event: decodeRecorded(msg, stream) };
  } catch (e) {
    expect(e, `threw ${String(e)}`).toBeInstanceOf(SpearError);
    expect(isErrorCode((e as SpearError).code)).toBe(true);
    return { error: e as SpearError };
  }
}

const expectWritableAgain = (event: ReturnType<typeof decodeRecorded> | undefined) => {
  if (event) expect(() => JSON.stringify(event.data), `${event.type} was accepted but cannot be encoded again`).not.toThrow();
};

const envelopeHeaders = fc.dictionary(
  fc.constantFrom(H.eventType, H.schemaVersion, H.eventId, H.aggregateType, H.aggregateId, H.occurredAt, H.correlationId, H.msgId, H.invocationId),
  fc.oneof(fc.constantFrom(...eventTypes), fc.constantFrom("1", "2", "0", "3"), headerValue),
  { maxKeys: 6 },
);
const bodyArb = fc.oneof(jsonValue().map((v) => encodeJson(v)), anyJsonishText.map((t) => enc.encode(t)), randomBytes());
const subjectArb = fc.oneof(
  fc.constantFrom("spear.invoke.echo", "spear.assign.n1", "spear.result.inv-1", "spear.status.n1", "spear.evt.node.n1", "spear.evt.function.f", "spear.dlq.x.y", "spear.evt", "x"),
  fc.string({ maxLength: 30 }),
);

describe("fuzz: the stored-event decoder (streams/codec.ts decodeRecorded)", () => {
  it("gives a typed event or a SpearError with a catalog code for any stored message", () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...streams), fc.string({ maxLength: 12 })), subjectArb, envelopeHeaders, bodyArb, (stream, subject, hdrs, body) => {
        expectWritableAgain(decode(raw(subject, body, hdrs), stream).event);
      }),
      runs(3_000),
    );
  });

  it("decodes mutated wire messages (results, assignments, status reports) to an event or a SpearError", () => {
    const cases = fc.oneof(
      invocationFinished.chain((v) => mutated(v)).map((v) => ({ stream: streamNames.results, subject: "spear.result.x", v })),
      invocationAssigned.chain((v) => mutated(v)).map((v) => ({ stream: streamNames.assign, subject: "spear.assign.n1", v })),
      nodeStatusReported.chain((v) => mutated(v)).map((v) => ({ stream: streamNames.status, subject: "spear.status.n1", v })),
    );
    fc.assert(
      fc.property(cases, ({ stream, subject, v }) => {
        expectWritableAgain(decode(raw(subject, encodeJson(v), undefined), stream).event);
      }),
      runs(2_000),
    );
  });

  it("reads back what Spear writes (round trip through the envelope)", () => {
    const events: fc.Arbitrary<{ event: DomainEvent; stream: string; subject: string }> = fc.oneof(
      invocationFinished.map((d) => ({ event: { type: "InvocationFinished", data: d } as DomainEvent, stream: streamNames.results, subject: `spear.result.${d.invocationId}` })),
      invocationAssigned.map((d) => ({ event: { type: "InvocationAssigned", data: d } as DomainEvent, stream: streamNames.assign, subject: `spear.assign.${d.nodeId}` })),
      nodeStatusReported.map((d) => ({ event: { type: "NodeStatusReported", data: d } as DomainEvent, stream: streamNames.status, subject: "spear.status.n1" })),
    );
    fc.assert(
      fc.property(events, ({ event, stream, subject }) => {
        const meta = newMeta(event, { type: event.type === "NodeStatusReported" ? "node" : "invocation", id: "agg-1" }, { correlationId: "c-1" });
        const { headers, body } = encodeEnvelope(event, meta);
        const back = decodeRecorded(raw(subject, encodeJson(body), headers), stream);
        expect(back.type).toBe(event.type);
        expect(back.meta).toEqual(meta);
        expect(JSON.stringify(back.data)).toBe(JSON.stringify(body));
      }),
      runs(1_000),
    );
  });

  it("refuses messages nested 100,000 levels deep, on every stream, cleanly and promptly", () => {
    const bodies = [nestedText(100_000), `{"input":${nestedText(100_000, "object")}}`, `{"output":${nestedText(100_000, "mixed")}}`, `{"input":${nestedText(2_500)}}`];
    for (const stream of streams) {
      for (const body of bodies) {
        const { value, ms } = timed(() => decode(raw("spear.invoke.echo", enc.encode(body), undefined), stream));
        expectWritableAgain(value.event);
        expect(ms).toBeLessThan(2_000);
      }
    }
  });

  it("answers a message as large as NATS allows (1 MiB) promptly", () => {
    for (const body of [`{"input":${hugeJsonString(1_000_000)}}`, `[${"0,".repeat(500_000)}0]`]) {
      for (const stream of streams) {
        const { ms } = timed(() => decode(raw("spear.invoke.echo", enc.encode(body), undefined), stream));
        expect(ms).toBeLessThan(2_000);
      }
    }
  });
});
