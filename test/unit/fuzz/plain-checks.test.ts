import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventMeta, isPlainMeta } from "../../../domain/events/envelope.js";
import { isPlainStatusReport } from "../../../domain/events/plain-status.js";
import { NodeStatusReported } from "../../../domain/events/status.js";
import { statusReport } from "../../../bench/support/cluster-load.js";
import { oddValue, mutated } from "../../../bench/fuzz/arbitraries/mutate.js";
import { instant, nodeStatusReported } from "./support/event-arbitraries.js";
import { runs } from "./support/fuzz-config.js";

/**
 * The hand-written checks that let well-formed envelopes and status reports skip their zod
 * parse (domain/events/plain-status.ts, isPlainMeta) may pass only what the schema passes and
 * gives back unchanged: what they let through is exactly what the parse would have given.
 */
const throughJson = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe("fuzz: plain checks agree with their schemas", () => {
  it("a status report it passes parses to the same value", () => {
    const reports = fc.oneof(nodeStatusReported.map(throughJson), nodeStatusReported.chain((v) => mutated(v)).map((v) => (v === undefined ? v : throughJson(v))), oddValue);
    fc.assert(
      fc.property(reports, (body) => {
        if (!isPlainStatusReport(body)) return;
        const parsed = NodeStatusReported.safeParse(body);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toStrictEqual(body);
      }),
      runs(5_000),
    );
  });

  it("passes the reports spearlets write, with nothing to fill in or strip", () => {
    for (let i = 0; i < 50; i++) expect(isPlainStatusReport(throughJson(statusReport(i, i * 7)))).toBe(true);
    const full = throughJson(statusReport(1, 1)) as Record<string, unknown>;
    expect(isPlainStatusReport({ ...full, extra: 1 })).toBe(false);
    expect(isPlainStatusReport({ ...full, draining: undefined })).toBe(false);
    expect(isPlainStatusReport({ ...full, transitions: [{}] })).toBe(false);
    expect(isPlainStatusReport({ ...full, reportSeq: 2 ** 60 })).toBe(false);
  });

  it("an envelope it passes parses to the same value", () => {
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("", "node", "invocation", "NodeStatusReported", "x".repeat(129)));
    const candidate = fc.record({
      eventId: text,
      type: text,
      schemaVersion: fc.oneof(fc.integer({ min: -2, max: 4 }), fc.constantFrom(Number.NaN, 1.5, 2 ** 60)),
      aggregateType: fc.oneof(fc.constantFrom("node", "function", "session", "invocation"), text),
      aggregateId: text,
      occurredAt: fc.oneof(instant, text, fc.constantFrom("2026-02-30T00:00:00Z", "2026-12-05T03:00:00+01:00")),
      correlationId: fc.option(text, { nil: undefined }),
      causationId: fc.option(text, { nil: undefined }),
    });
    fc.assert(
      fc.property(candidate, (generated) => {
        // As readMeta builds it: a plain object with every key, the optional ones perhaps undefined.
        const m = { ...generated };
        if (!isPlainMeta(m)) return;
        const parsed = EventMeta.safeParse(m);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toStrictEqual(m);
      }),
      runs(5_000),
    );
  });
});
