import { headers as natsHeaders } from "@nats-io/transport-node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { H } from "../../../domain/headers.js";
import { InvocationAssigned, InvocationFinished, InvokeRequest } from "../../../domain/events/invocation.js";
import { FunctionName, InvocationId, NodeId } from "../../../domain/ids.js";
import { MAX_JSON_DEPTH, valueDepth } from "../../../domain/json-limits.js";
import { parseRequest, type ParseOutcome, type StoredRequest } from "../../../streams/invocations/request.js";
import { BAD_REPLY_SUBJECTS, headerMap, headerValue } from "../../../bench/fuzz/arbitraries/headers.js";
import { anyJsonishText, hugeJsonString, jsonValue, nestedText, randomBytes } from "../../../bench/fuzz/arbitraries/json.js";
import { mutated } from "../../../bench/fuzz/arbitraries/mutate.js";
import { invokeSeed } from "../../../bench/fuzz/api-seeds.js";
import { runs, thrown, timed } from "./support/fuzz-config.js";
import { isPlainSubject, isPublishableSubject } from "./support/subjects.js";

/**
 * parseRequest reads whatever any NATS client stored on spear.invoke.<function>. Whatever it
 * gets, it must give an outcome the scheduler can act on: a rejection it can record as the
 * invocation's final result (and send to a reply subject that can take it), or a request whose
 * assignment the spearlet can decode. It must never throw, and it must answer promptly.
 */
const enc = new TextEncoder();
const STORED_AT = "2026-12-04T10:00:00.000Z";

function stored(subject: string, body: Uint8Array, hdrs: Record<string, string>, seq = 7): StoredRequest {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(hdrs)) h.set(k, v);
  return { subject, seq, headers: h, data: body, time: STORED_AT };
}

/** The final result the scheduler records for a rejection (services/scheduler/outcomes.ts builds the same). */
const rejectionResult = (o: Extract<ParseOutcome, { ok: false }>) => ({
  invocationId: o.invocationId,
  function: o.function,
  status: "rejected",
  error: o.error,
  attempts: 0,
  timings: { submittedAt: o.submittedAt, finishedAt: STORED_AT, totalMs: 0 },
});

/** The assignment the scheduler publishes for an accepted request (services/scheduler/dispatcher.ts builds the same). */
const assignmentOf = (o: Extract<ParseOutcome, { ok: true }>) => ({
  invocationId: o.request.invocationId,
  function: o.request.function,
  version: 1,
  attempt: o.request.attempt,
  nodeId: "n1",
  leaseToken: "t",
  deadline: STORED_AT,
  timeoutMs: 1_000,
  requestSeq: o.request.requestSeq,
  submittedAt: o.request.submittedAt,
  input: o.request.body.input,
  ...(o.request.replyTo ? { replyTo: o.request.replyTo } : {}),
});

/** Every property the outcome must have, whatever the message was. */
function expectActionable(o: ParseOutcome, sentReplyTo: string | undefined): void {
  if (!o.ok) {
    expect(o.error.code).toBe("invalid_request");
    const result = InvocationFinished.safeParse(rejectionResult(o));
    expect(result.success, `the rejection cannot be recorded: ${result.error?.message}`).toBe(true);
    if (o.replyTo !== undefined) expect(isPublishableSubject(o.replyTo), `reply subject '${o.replyTo}'`).toBe(true);
  } else {
    const r = o.request;
    expect(InvocationId.safeParse(r.invocationId).success).toBe(true);
    expect(FunctionName.safeParse(r.function).success, `function '${r.function}'`).toBe(true);
    expect(Number.isSafeInteger(r.attempt) && r.attempt >= 1, `attempt ${r.attempt}`).toBe(true);
    expect(Number.isSafeInteger(r.refusals) && r.refusals >= 0 && r.refusals < r.attempt).toBe(true);
    for (const n of r.excludeNodes) expect(NodeId.safeParse(n).success, `excluded node '${n}'`).toBe(true);
    if (r.replyTo !== undefined) expect(isPublishableSubject(r.replyTo), `reply subject '${r.replyTo}'`).toBe(true);
    expect(valueDepth(r.body.input, MAX_JSON_DEPTH)).toBeLessThanOrEqual(MAX_JSON_DEPTH);
    const assignment = InvocationAssigned.safeParse(assignmentOf(o));
    expect(assignment.success, `the assignment would not decode: ${assignment.error?.message}`).toBe(true);
  }
  // Spear publishes to inboxes only; a caller that gave an inbox it can listen on hears the outcome, whatever it is.
  const replyTo = o.ok ? o.request.replyTo : o.replyTo;
  if (replyTo !== undefined) expect(replyTo.startsWith("_INBOX."), `reply subject '${replyTo}'`).toBe(true);
  if (sentReplyTo !== undefined && sentReplyTo.startsWith("_INBOX.") && isPlainSubject(sentReplyTo)) expect(replyTo).toBe(sentReplyTo);
}

const subjectArb = fc.oneof(
  fc.constantFrom("spear.invoke.echo", "spear.invoke.a.b", "spear.invoke.", "spear.invoke.fn$x", "spear.invoke.ünï", `spear.invoke.${"f".repeat(65)}`, "spear.invoke.echo.retry", "spear.invoke..retry", "spear.invoke.retry"),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/).map((fn) => `spear.invoke.${fn}`),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/).map((fn) => `spear.invoke.${fn}.retry`),
  fc.string({ unit: "binary", maxLength: 30 }).map((t) => `spear.invoke.${t}`),
);
const replyArb = fc.option(fc.oneof(fc.constantFrom(...BAD_REPLY_SUBJECTS), fc.constant("_INBOX.fuzz.1"), headerValue), { nil: undefined });
const msgIdArb = fc.option(fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$/), headerValue), { nil: undefined });
const bodyArb = fc.oneof(
  jsonValue().map((input) => enc.encode(JSON.stringify({ input }))),
  mutated(invokeSeed).map((v) => enc.encode(JSON.stringify(v))),
  anyJsonishText.map((t) => enc.encode(t)),
  randomBytes(),
);

function withContract(hdrs: Record<string, string>, msgId: string | undefined, replyTo: string | undefined): Record<string, string> {
  return { ...hdrs, ...(msgId !== undefined ? { [H.msgId]: msgId } : {}), ...(replyTo !== undefined ? { [H.replyTo]: replyTo } : {}) };
}

describe("fuzz: the invoke request parser (streams/invocations/request.ts)", () => {
  it("gives an outcome the scheduler can record or place, for any subject, headers and body, without throwing", () => {
    fc.assert(
      fc.property(subjectArb, headerMap, msgIdArb, replyArb, bodyArb, (subject, hdrs, msgId, replyTo, body) => {
        let outcome: ParseOutcome | undefined;
        expect(thrown(() => (outcome = parseRequest(stored(subject, body, withContract(hdrs, msgId, replyTo)))))).toBeUndefined();
        expectActionable(outcome!, replyTo);
      }),
      runs(3_000),
    );
  });

  it("treats each header of the contract with a garbage value as a typed outcome (Spear-Submitted-At: garbage, Spear-Attempt: 1e20, ...)", () => {
    const names = [H.submittedAt, H.attempt, H.refusals, H.excludeNodes, H.avoidNodes, H.invocationId, H.retryReason];
    fc.assert(
      fc.property(fc.constantFrom(...names), headerValue, fc.constantFrom("spear.invoke.echo", "spear.invoke.echo.retry"), (name, value, subject) => {
        const o = parseRequest(stored(subject, enc.encode('{"input":1}'), { [H.msgId]: "inv-1", [H.replyTo]: "_INBOX.fuzz.1", [name]: value }));
        expectActionable(o, "_INBOX.fuzz.1");
        // From a client, a header about earlier attempts changes nothing, whatever it holds.
        if (subject === "spear.invoke.echo") expect(o).toMatchObject({ ok: true, request: { invocationId: "inv-1", attempt: 1, refusals: 0, excludeNodes: [], avoidNodes: [], submittedAt: STORED_AT } });
      }),
      runs(1_000),
    );
  });

  it("reads valid requests back as they were sent (round trip)", () => {
    const validHeaders = fc.record({
      attempt: fc.integer({ min: 1, max: 50 }),
      excluded: fc.array(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/), { maxLength: 4 }),
      submittedAt: fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString()),
      id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,60}$/),
    });
    const validBody = fc.record(
      { input: jsonValue(), priority: fc.integer({ min: 0, max: 9 }), version: fc.integer({ min: 1, max: 1_000 }), timeoutMs: fc.integer({ min: 1, max: 3_600_000 }), spread: fc.boolean() },
      { requiredKeys: ["input"] },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/), validBody, validHeaders, (fn, body, h) => {
        const hdrs = { [H.msgId]: `${h.id}.a${h.attempt}`, [H.invocationId]: h.id, [H.attempt]: String(h.attempt), [H.submittedAt]: h.submittedAt, [H.replyTo]: "_INBOX.fuzz.rt", ...(h.excluded.length ? { [H.excludeNodes]: h.excluded.join(",") } : {}) };
        const o = parseRequest(stored(`spear.invoke.${fn}.retry`, enc.encode(JSON.stringify(body)), hdrs));
        expect(o.ok).toBe(true);
        if (!o.ok) return;
        expect(o.request).toMatchObject({ invocationId: h.id, function: fn, attempt: h.attempt, excludeNodes: h.excluded, submittedAt: h.submittedAt, replyTo: "_INBOX.fuzz.rt" });
        expect(JSON.stringify(o.request.body)).toBe(JSON.stringify(InvokeRequest.parse(body)));
      }),
      runs(1_000),
    );
  });

  it("refuses inputs nested 100,000 levels (and every depth past the bound) cleanly and promptly", () => {
    for (const shape of ["array", "object", "mixed"] as const) {
      for (const depth of [MAX_JSON_DEPTH + 1, 2_500, 5_000, 100_000]) {
        const body = enc.encode(`{"input":${nestedText(depth, shape)}}`);
        const { value, ms } = timed(() => parseRequest(stored("spear.invoke.echo", body, { [H.msgId]: "inv-deep", [H.replyTo]: "_INBOX.fuzz.d" })));
        expect(value.ok, `${shape} ${depth}`).toBe(false);
        expectActionable(value, "_INBOX.fuzz.d");
        expect(ms).toBeLessThan(2_000);
      }
    }
  });

  it("answers a body of a whole NATS message (1 MiB) promptly", () => {
    for (const text of [`{"input":${hugeJsonString(1_000_000)}}`, `{"input":[${"1,".repeat(400_000)}1]}`, "x".repeat(1_048_576)]) {
      const { value, ms } = timed(() => parseRequest(stored("spear.invoke.echo", enc.encode(text), { [H.msgId]: "inv-huge" })));
      expectActionable(value, undefined);
      expect(ms).toBeLessThan(2_000);
    }
  });
});
