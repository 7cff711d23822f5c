import { describe, expect, it } from "vitest";
import { redriveDecider, type RedriveInvocation } from "../../../domain/invocation/redrive.js";

const ask = (redriveId: string, dlqSeq = 7): RedriveInvocation => ({
  invocationId: "inv-1",
  function: "f",
  dlqSeq,
  reason: { code: "attempts_exhausted", message: "3 attempt(s) failed" },
  redriveId,
  redrivenAt: "2026-01-01T00:00:00.000Z",
});

describe("redrive decider", () => {
  it("records the first redrive of an invocation and nothing after it, whichever dead letter or id is asked for", () => {
    const first = redriveDecider.decide(ask("new-1"), redriveDecider.initialState());
    expect(first).toEqual([{ type: "InvocationRedriven", data: { function: "f", dlqSeq: 7, reason: { code: "attempts_exhausted", message: "3 attempt(s) failed" }, redriveId: "new-1", redrivenAt: "2026-01-01T00:00:00.000Z" } }]);
    const state = redriveDecider.evolve(redriveDecider.initialState(), first[0]!);
    expect(redriveDecider.decide(ask("new-2", 9), state)).toEqual([]);
    expect(state.redriven?.redriveId).toBe("new-1");
    // A second event (written by hand, say) does not replace the first.
    expect(redriveDecider.evolve(state, { type: "InvocationRedriven", data: { ...first[0]!.data, redriveId: "other" } } as never).redriven?.redriveId).toBe("new-1");
  });
});
