import { describe, expect, it } from "vitest";
import { H } from "../../../domain/headers.js";
import { decodeOwn, decodeRecorded, encodeEnvelope, newMeta, readMeta } from "../../../streams/codec.js";
import { encodeJson } from "../../../streams/json.js";
import { headers } from "@nats-io/transport-node";

describe("event envelope codec", () => {
  it("carries the envelope in headers and round-trips an event", () => {
    const event = { type: "NodeDrained" as const, data: { reason: "maintenance" } };
    const meta = newMeta(event, { type: "node", id: "n1" }, { correlationId: "c1", causationId: "k1", now: new Date("2026-01-01T00:00:00Z") });
    const { headers: h, body } = encodeEnvelope(event, meta);
    expect(h.get(H.msgId)).toBe(meta.eventId);
    expect(h.get(H.eventType)).toBe("NodeDrained");
    expect(h.get(H.schemaVersion)).toBe("1");
    const recorded = decodeRecorded(
      { subject: "spear.evt.node.n1", seq: 7, headers: h, data: encodeJson(body), time: "2026-01-01T00:00:01Z" },
      "SPEAR_EVENTS",
    );
    expect(recorded.type).toBe("NodeDrained");
    expect(recorded.data).toEqual({ reason: "maintenance" });
    expect(recorded.meta).toEqual(meta);
    expect(recorded.position).toEqual({ stream: "SPEAR_EVENTS", seq: 7, subject: "spear.evt.node.n1", time: "2026-01-01T00:00:01Z" });
  });

  it("infers type and id of a header-less invoke request from its stream and headers", () => {
    const h = headers();
    h.set(H.msgId, "inv-1");
    const meta = readMeta({ subject: "spear.invoke.echo", seq: 3, headers: h, data: encodeJson({ input: 1 }), time: "2026-01-01T00:00:00Z" }, "SPEAR_INVOKE");
    expect(meta).toMatchObject({ type: "InvocationRequested", aggregateType: "invocation", aggregateId: "inv-1", eventId: "inv-1" });
  });

  it("refuses a message with neither a type header nor an implicit type", () => {
    expect(() => readMeta({ subject: "spear.evt.node.n1", seq: 1, data: new Uint8Array(), time: "2026-01-01T00:00:00Z" }, "SPEAR_EVENTS")).toThrow(
      /no Spear-Event-Type header/,
    );
  });
});

describe("decoding Spear's own events without the schema", () => {
  const at = "2026-01-01T00:00:01Z";
  const stored = (event: Parameters<typeof encodeEnvelope>[0], stream: string, subject: string) => {
    const meta = newMeta(event, { type: "invocation", id: "inv-1" }, { correlationId: "c1", now: new Date("2026-01-01T00:00:00Z") });
    const { headers: h, body } = encodeEnvelope(event, meta);
    return { subject, seq: 9, headers: h, data: encodeJson(body), time: at };
  };
  const finished = {
    type: "InvocationFinished" as const,
    data: { invocationId: "inv-1", function: "echo", version: 1, status: "succeeded" as const, output: { n: 1 }, attempts: 1, timings: { submittedAt: at, finishedAt: at, totalMs: 1 } },
  };

  it("reads what decodeRecorded reads from a stream only Spear writes", () => {
    const msg = stored(finished, "SPEAR_RESULTS", "spear.result.inv-1");
    expect(decodeOwn(msg, "SPEAR_RESULTS")).toEqual(decodeRecorded(msg, "SPEAR_RESULTS"));
  });

  it("checks the schema of any other stream (a node's status report) as decodeRecorded does", () => {
    const msg = stored(finished, "SPEAR_RESULTS", "spear.result.inv-1");
    expect(() => decodeOwn({ ...msg, data: encodeJson({ invocationId: 5 }) }, "SPEAR_STATUS")).toThrow(/invalid/);
  });

  it("refuses a body that is not an object, and checks a message without Spear's envelope", () => {
    const msg = stored(finished, "SPEAR_RESULTS", "spear.result.inv-1");
    expect(() => decodeOwn({ ...msg, data: encodeJson([1]) }, "SPEAR_RESULTS")).toThrow(/not a JSON object/);
    expect(() => decodeOwn({ ...msg, headers: undefined, data: encodeJson({ invocationId: 5 }) }, "SPEAR_RESULTS")).toThrow(/invalid/);
  });
});
