import { describe, expect, it } from "vitest";
import type { InvocationFinished } from "../../../domain/events/invocation.js";
import { InvocationFailedError, SpearError } from "../../../services/sdk/index.js";

const result = (over: Partial<InvocationFinished>): InvocationFinished => ({
  invocationId: "i1",
  function: "f",
  status: "failed",
  attempts: 1,
  timings: { submittedAt: "2026-01-01T00:00:00.000Z", finishedAt: "2026-01-01T00:00:01.000Z", totalMs: 1000 },
  ...over,
});

describe("InvocationFailedError", () => {
  it("carries the result's code, status and the result itself", () => {
    const e = new InvocationFailedError(result({ status: "failed", error: { code: "function_error", message: "exit 1" } }));
    expect(e).toBeInstanceOf(SpearError);
    expect(e.code).toBe("function_error");
    expect(e.status).toBe("failed");
    expect(e.invocationId).toBe("i1");
    expect(e.message).toBe("invocation i1 of f failed: exit 1");
    expect(e.toJSON()).toEqual({ code: "function_error", message: e.message, details: { invocationId: "i1", function: "f", status: "failed" } });
  });

  it("keeps a code this client does not know in details, as internal", () => {
    const e = new InvocationFailedError(result({ status: "dead_lettered", error: { code: "brand_new_code", message: "why" } }));
    expect(e.code).toBe("internal");
    expect(e.details).toMatchObject({ code: "brand_new_code", status: "dead_lettered" });
    expect(e.message).toBe("invocation i1 of f was dead-lettered: why");
  });

  it("words each status", () => {
    expect(new InvocationFailedError(result({ status: "timed_out", error: { code: "timeout", message: "30 s" } })).message).toContain("timed out: 30 s");
    expect(new InvocationFailedError(result({ status: "rejected" })).message).toBe("invocation i1 of f was rejected");
  });
});
