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
});
