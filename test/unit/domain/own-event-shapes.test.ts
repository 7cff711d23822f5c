import { describe, expect, it } from "vitest";
import { hasAssignmentShape, InvocationAssigned, InvocationFinished, isRecordedResult } from "../../../domain/events/invocation.js";

const at = "2026-01-01T00:00:00.000Z";
const assignment = {
  invocationId: "inv-1",
  function: "echo",
  version: 1,
  attempt: 1,
  nodeId: "n1",
  leaseToken: "42",
  deadline: at,
  timeoutMs: 1_000,
  requestSeq: 3,
  submittedAt: at,
  replyTo: "_INBOX.x.1",
  input: { a: 1 },
};
const result = { invocationId: "inv-1", function: "echo", status: "succeeded", attempts: 1, timings: { submittedAt: at, finishedAt: at, totalMs: 0 } };

describe("the hand checks of events Spear wrote itself", () => {
  it("accept what the schemas accept", () => {
    expect(InvocationAssigned.safeParse(assignment).success).toBe(true);
    expect(hasAssignmentShape(assignment)).toBe(true);
    expect(InvocationFinished.safeParse(result).success).toBe(true);
    expect(isRecordedResult(result)).toBe(true);
  });

  it("refuse a message that is not one at all", () => {
    for (const junk of [null, 7, "x", [], {}, { ...assignment, attempt: "1" }, { ...assignment, leaseToken: undefined }, { ...assignment, replyTo: 5 }]) {
      expect(hasAssignmentShape(junk)).toBe(false);
    }
    for (const junk of [null, {}, { ...result, status: "maybe" }, { ...result, attempts: 1.5 }, { ...result, timings: null }]) {
      expect(isRecordedResult(junk)).toBe(false);
    }
  });
});
