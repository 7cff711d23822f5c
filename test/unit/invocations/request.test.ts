import { headers } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { H } from "../../../domain/headers.js";
import { encodeJson } from "../../../streams/json.js";
import { parseRequest } from "../../../streams/invocations/request.js";

const msg = (body: unknown, hdrs: Record<string, string> = {}, raw?: string) => {
  const h = headers();
  for (const [k, v] of Object.entries(hdrs)) h.set(k, v);
  return {
    subject: "spear.invoke.echo",
    seq: 42,
    headers: h,
    data: raw !== undefined ? new TextEncoder().encode(raw) : encodeJson(body),
    time: "2026-11-22T10:00:00.000Z",
  };
};

describe("parseRequest", () => {
  it("reads a first attempt: id from Nats-Msg-Id, reply subject, defaults", () => {
    const r = parseRequest(msg({ input: { a: 1 } }, { [H.msgId]: "inv-1", [H.replyTo]: "_INBOX.x" }));
    expect(r).toMatchObject({
      ok: true,
      request: { invocationId: "inv-1", function: "echo", attempt: 1, excludeNodes: [], replyTo: "_INBOX.x", submittedAt: "2026-11-22T10:00:00.000Z", requestSeq: 42, body: { input: { a: 1 }, priority: 0 } },
    });
  });

  it("reads a retry: invocation id, attempt, excluded nodes and first submit time from headers", () => {
    const r = parseRequest(
      msg({ input: 1, priority: 5 }, { [H.msgId]: "inv-1.a2", [H.invocationId]: "inv-1", [H.attempt]: "2", [H.excludeNodes]: "n1,n2", [H.submittedAt]: "2026-11-22T09:59:59.000Z" }),
    );
    expect(r).toMatchObject({ ok: true, request: { invocationId: "inv-1", attempt: 2, excludeNodes: ["n1", "n2"], submittedAt: "2026-11-22T09:59:59.000Z", body: { priority: 5 } } });
  });

  it("turns a bad body into a rejection naming the problem, keeping id and reply subject", () => {
    const notJson = parseRequest(msg(undefined, { [H.msgId]: "inv-2", [H.replyTo]: "r" }, "{oops"));
    expect(notJson).toMatchObject({ ok: false, invocationId: "inv-2", replyTo: "r", error: { code: "invalid_request", message: "the body is not JSON" } });
    const badField = parseRequest(msg({ input: 1, priority: 99 }, { [H.msgId]: "inv-3" }));
    expect(badField).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    expect(badField.ok === false && badField.error.message).toMatch(/priority/);
  });

  it("falls back to seq-<n> when the id cannot be a subject token", () => {
    const r = parseRequest(msg({ input: 1 }, { [H.msgId]: "has.dots and spaces" }));
    expect(r.ok && r.request.invocationId).toBe("seq-42");
  });

  it("rejects headers that do not hold what they must, naming each, without trusting them", () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ [H.submittedAt]: "garbage" }, /Spear-Submitted-At/],
      [{ [H.attempt]: "1e20" }, /Spear-Attempt/],
      [{ [H.attempt]: "0" }, /Spear-Attempt/],
      [{ [H.attempt]: "2", [H.refusals]: "2" }, /Spear-Refusals/],
      [{ [H.excludeNodes]: "n1,not a node" }, /Spear-Exclude-Nodes/],
      [{ [H.excludeNodes]: Array.from({ length: 65 }, (_, i) => `n${i}`).join(",") }, /Spear-Exclude-Nodes/],
    ];
    for (const [hdrs, named] of bad) {
      const r = parseRequest(msg({ input: 1 }, { [H.msgId]: "inv-h", [H.replyTo]: "_INBOX.ok", ...hdrs }));
      expect(r.ok, JSON.stringify(hdrs)).toBe(false);
      if (!r.ok) {
        expect(r.error.message).toMatch(named);
        expect(r.replyTo).toBe("_INBOX.ok");
        expect(r.submittedAt).toBe("2026-11-22T10:00:00.000Z");
      }
    }
  });

  it("answers no reply subject it cannot publish to, and names the function 'unknown' when the subject names none", () => {
    for (const replyTo of ["has spaces", "_INBOX.*", "a..b", "x".repeat(300)]) {
      const r = parseRequest(msg({ input: 1 }, { [H.msgId]: "inv-r", [H.replyTo]: replyTo }));
      expect(r).toMatchObject({ ok: false, error: { code: "invalid_request" } });
      expect(r.ok === false && r.replyTo).toBeUndefined();
    }
    const odd = parseRequest({ ...msg({ input: 1 }), subject: "spear.invoke.a.b" });
    expect(odd).toMatchObject({ ok: false, function: "unknown", error: { code: "invalid_request" } });
  });

  it("rejects an input nested deeper than the bound without parsing it into anything that recurses", () => {
    const deep = `{"input":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const r = parseRequest(msg(undefined, { [H.msgId]: "inv-deep" }, deep));
    expect(r).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    expect(r.ok === false && r.error.message).toMatch(/nested deeper than 256/);
    expect(parseRequest(msg({ input: JSON.parse(`${"[".repeat(255)}${"]".repeat(255)}`) }, { [H.msgId]: "inv-ok" })).ok).toBe(true);
  });
});
