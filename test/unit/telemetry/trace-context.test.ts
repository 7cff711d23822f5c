import { headers as natsHeaders } from "@nats-io/transport-node";
import { trace } from "@opentelemetry/api";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readTraceHeaders, TRACE_LIMITS, traceIdOf } from "../../../domain/trace-context.js";
import { onwardTrace, remoteContext, traceLogFields } from "../../../services/telemetry/trace-context.js";
import { setTraceHeaders, traceHeadersOf } from "../../../streams/trace-headers.js";

const valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const read = (traceparent?: string, tracestate?: string) => readTraceHeaders((k) => (k === "traceparent" ? traceparent : k === "tracestate" ? tracestate : undefined));

describe("trace context from a message", () => {
  it("reads a W3C traceparent and its tracestate", () => {
    expect(read(valid, "congo=t61rcWkgMzE")).toEqual({ traceparent: valid, tracestate: "congo=t61rcWkgMzE" });
    expect(traceIdOf({ traceparent: valid })).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });

  it("ignores a malformed traceparent: wrong version, case, length, all-zero ids, junk", () => {
    for (const bad of [
      "",
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      `${valid}-extra`,
      valid.slice(0, -1),
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
      "x".repeat(10_000),
    ]) {
      expect(read(bad, "a=b")).toBeUndefined();
    }
  });

  it("drops a tracestate that is too long or not a header value, and keeps the trace", () => {
    expect(read(valid, "a".repeat(TRACE_LIMITS.tracestate + 1))).toEqual({ traceparent: valid });
    expect(read(valid, "a=b\u0000")).toEqual({ traceparent: valid });
    expect(read(valid, "")).toEqual({ traceparent: valid });
  });

  it("never throws on any input, and whatever it keeps is bounded", () => {
    fc.assert(
      fc.property(fc.option(fc.string({ maxLength: 2_000 })), fc.option(fc.string({ maxLength: 2_000 })), (tp, ts) => {
        const t = read(tp ?? undefined, ts ?? undefined);
        if (t) {
          expect(t.traceparent.length).toBe(TRACE_LIMITS.traceparent);
          expect((t.tracestate ?? "").length).toBeLessThanOrEqual(TRACE_LIMITS.tracestate);
        }
      }),
    );
  });

  it("goes through NATS headers unchanged", () => {
    const h = natsHeaders();
    setTraceHeaders(h, { traceparent: valid, tracestate: "k=v" });
    expect(traceHeadersOf(h)).toEqual({ traceparent: valid, tracestate: "k=v" });
    expect(traceHeadersOf(natsHeaders())).toBeUndefined();
    expect(traceHeadersOf(undefined)).toBeUndefined();
  });
});

describe("a hop that does not trace", () => {
  it("passes the incoming context on unchanged and logs its trace id", () => {
    const incoming = { traceparent: valid };
    expect(onwardTrace(undefined, incoming)).toBe(incoming);
    expect(traceLogFields(undefined, incoming)).toEqual({ trace_id: "4bf92f3577b34da6a3ce929d0e0e4736" });
    expect(traceLogFields(undefined, undefined)).toBeUndefined();
  });

  it("makes the message's span the remote parent", () => {
    const c = trace.getSpanContext(remoteContext({ traceparent: valid, tracestate: "k=v" }));
    expect(c).toMatchObject({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1, isRemote: true });
    expect(c?.traceState?.get("k")).toBe("v");
  });
});
