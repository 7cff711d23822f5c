import { headers } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { H } from "../../../domain/headers.js";
import { subjects } from "../../../domain/subjects.js";
import { encodeJson } from "../../../streams/json.js";
import { parseRequest } from "../../../streams/invocations/request.js";

const msg = (body: unknown, hdrs: Record<string, string> = {}, raw?: string, subject = subjects.invoke("echo")) => {
  const h = headers();
  for (const [k, v] of Object.entries(hdrs)) h.set(k, v);
  return {
    subject,
    seq: 42,
    headers: h,
    data: raw !== undefined ? new TextEncoder().encode(raw) : encodeJson(body),
    time: "2026-11-22T10:00:00.000Z",
  };
};

/** What a scheduler or spearlet puts on a retry (streams/invocations/submit.ts, requestRetry). */
const retryHeaders = {
  [H.msgId]: "inv-1.a3",
  [H.invocationId]: "inv-1",
  [H.attempt]: "3",
  [H.refusals]: "1",
  [H.excludeNodes]: "n1,n2",
  [H.avoidNodes]: "n3",
  [H.submittedAt]: "2026-11-22T09:59:59.000Z",
  [H.retryReason]: "saturated: full",
  [H.replyTo]: "_INBOX.x",
};

describe("parseRequest", () => {
  it("reads a first attempt: id from Nats-Msg-Id, reply subject, defaults", () => {
    const r = parseRequest(msg({ input: { a: 1 } }, { [H.msgId]: "inv-1", [H.replyTo]: "_INBOX.x" }));
    expect(r).toMatchObject({
      ok: true,
      request: { invocationId: "inv-1", function: "echo", attempt: 1, excludeNodes: [], replyTo: "_INBOX.x", submittedAt: "2026-11-22T10:00:00.000Z", requestSeq: 42, body: { input: { a: 1 }, priority: 0 } },
    });
  });

  it("reads a retry from the retry subject: invocation id, attempt, refusals, node lists, first submit time and reason from headers", () => {
    const r = parseRequest(msg({ input: 1, priority: 5 }, retryHeaders, undefined, subjects.retry("echo")));
    expect(r).toMatchObject({
      ok: true,
      request: {
        invocationId: "inv-1",
        function: "echo",
        attempt: 3,
        refusals: 1,
        excludeNodes: ["n1", "n2"],
        avoidNodes: ["n3"],
        submittedAt: "2026-11-22T09:59:59.000Z",
        retryReason: "saturated: full",
        replyTo: "_INBOX.x",
        body: { priority: 5 },
      },
    });
  });

  it("ignores each header about earlier attempts on a client's subject: the request is a first attempt named by its Nats-Msg-Id", () => {
    const first = parseRequest(msg({ input: 1 }, { [H.msgId]: "inv-c", [H.replyTo]: "_INBOX.x" }));
    expect(first.ok).toBe(true);
    for (const [name, value] of Object.entries(retryHeaders)) {
      if (name === H.msgId || name === H.replyTo) continue;
      const forged = parseRequest(msg({ input: 1 }, { [H.msgId]: "inv-c", [H.replyTo]: "_INBOX.x", [name]: value }));
      expect(forged, name).toEqual(first);
    }
    const all = parseRequest(msg({ input: 1 }, { ...retryHeaders, [H.msgId]: "inv-c" }));
    expect(all).toEqual(first);
    expect(all.ok && all.request).toMatchObject({ invocationId: "inv-c", attempt: 1, refusals: 0, excludeNodes: [], avoidNodes: [], submittedAt: "2026-11-22T10:00:00.000Z" });
    expect(all.ok && all.request.retryReason).toBeUndefined();
  });

  it("ignores garbage in those headers on a client's subject instead of rejecting it", () => {
    const garbage = { [H.attempt]: "1e20", [H.refusals]: "-1", [H.excludeNodes]: "not a node", [H.avoidNodes]: "x y", [H.submittedAt]: "garbage", [H.invocationId]: "has spaces" };
    expect(parseRequest(msg({ input: 1 }, { [H.msgId]: "inv-g", ...garbage }))).toMatchObject({ ok: true, request: { invocationId: "inv-g", attempt: 1 } });
  });

  it("tells the retry subject from a function whose name is 'retry'", () => {
    expect(parseRequest(msg({ input: 1 }, { [H.msgId]: "inv-r", [H.attempt]: "2" }, undefined, subjects.invoke("retry")))).toMatchObject({ ok: true, request: { function: "retry", attempt: 1 } });
    expect(parseRequest(msg({ input: 1 }, { [H.msgId]: "inv-r", [H.attempt]: "2" }, undefined, subjects.retry("retry")))).toMatchObject({ ok: true, request: { function: "retry", attempt: 2 } });
    for (const subject of ["spear.invoke..retry", "spear.invoke.a.b.retry", "spear.invoke.echo.retry.x"]) {
      expect(parseRequest(msg({ input: 1 }, { [H.msgId]: "inv-r" }, undefined, subject)), subject).toMatchObject({ ok: false, function: "unknown", error: { code: "invalid_request" } });
    }
  });

  it("turns a bad body into a rejection naming the problem, keeping id and reply subject", () => {
    const notJson = parseRequest(msg(undefined, { [H.msgId]: "inv-2", [H.replyTo]: "_INBOX.r" }, "{oops"));
    expect(notJson).toMatchObject({ ok: false, invocationId: "inv-2", replyTo: "_INBOX.r", error: { code: "invalid_request", message: "the body is not JSON" } });
    const badField = parseRequest(msg({ input: 1, priority: 99 }, { [H.msgId]: "inv-3" }));
    expect(badField).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    expect(badField.ok === false && badField.error.message).toMatch(/priority/);
  });

  it("falls back to seq-<n> when the id cannot be a subject token", () => {
    const r = parseRequest(msg({ input: 1 }, { [H.msgId]: "has.dots and spaces" }));
    expect(r.ok && r.request.invocationId).toBe("seq-42");
  });

  it("rejects retry headers that do not hold what they must, naming each, without trusting them", () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ [H.submittedAt]: "garbage" }, /Spear-Submitted-At/],
      [{ [H.attempt]: "1e20" }, /Spear-Attempt/],
      [{ [H.attempt]: "0" }, /Spear-Attempt/],
      [{ [H.attempt]: "2", [H.refusals]: "2" }, /Spear-Refusals/],
      [{ [H.excludeNodes]: "n1,not a node" }, /Spear-Exclude-Nodes/],
      [{ [H.excludeNodes]: Array.from({ length: 65 }, (_, i) => `n${i}`).join(",") }, /Spear-Exclude-Nodes/],
      [{ [H.avoidNodes]: "n1,not a node" }, /Spear-Avoid-Nodes/],
    ];
    for (const [hdrs, named] of bad) {
      const r = parseRequest(msg({ input: 1 }, { [H.msgId]: "inv-h.a2", [H.invocationId]: "inv-h", [H.replyTo]: "_INBOX.ok", ...hdrs }, undefined, subjects.retry("echo")));
      expect(r.ok, JSON.stringify(hdrs)).toBe(false);
      if (!r.ok) {
        expect(r.error.message).toMatch(named);
        expect(r.replyTo).toBe("_INBOX.ok");
        expect(r.submittedAt).toBe("2026-11-22T10:00:00.000Z");
      }
    }
  });

  it("takes only an inbox as reply subject: any other is refused and answered nowhere; names the function 'unknown' when the subject names none", () => {
    const refused = ["has spaces", "_INBOX.*", "_INBOX.>", "_INBOX", "_INBOX.", "_INBOXES.a", "a..b", "r", "spear.api.nodes.drain", "spear.invoke.echo", "$JS.API.STREAM.DELETE.SPEAR_RESULTS", `_INBOX.${"x".repeat(300)}`];
    for (const replyTo of refused) {
      for (const subject of [subjects.invoke("echo"), subjects.retry("echo")]) {
        const r = parseRequest(msg({ input: 1 }, { [H.msgId]: "inv-r", [H.replyTo]: replyTo }, undefined, subject));
        expect(r, `${replyTo} on ${subject}`).toMatchObject({ ok: false, error: { code: "invalid_request" } });
        expect(r.ok === false && r.error.message).toMatch(/Spear-Reply-To must be an inbox/);
        expect(r.ok === false && r.replyTo).toBeUndefined();
      }
    }
    for (const replyTo of ["_INBOX.a", "_INBOX.Vx8Rk2.17", "_INBOX.a-b_c$d"]) {
      expect(parseRequest(msg({ input: 1 }, { [H.msgId]: "inv-r", [H.replyTo]: replyTo }))).toMatchObject({ ok: true, request: { replyTo } });
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
