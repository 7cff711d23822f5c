import { describe, it } from "vitest";
import type { DomainEvent } from "../../../../domain/events/catalog.js";
import { sessionDecider } from "../../../../domain/session/decider.js";
import { deciderSpec } from "../../../support/decider-spec.js";

const given = deciderSpec(sessionDecider);
const enZh = { source: "en", target: "zh" };
const bound: DomainEvent = { type: "SessionBound", data: { poolId: "p1", langPair: enZh } };
const rebind = (poolId: string, previousPoolId: string) => ({ type: "RebindSession" as const, sessionId: "s1", poolId, previousPoolId });

describe("session decider: moving off an ineligible pool", () => {
  it("rebinds from the pool it expects, keeping the pair", () =>
    given([bound])
      .when(rebind("p2", "p1"))
      .then([{ type: "SessionRebound", data: { poolId: "p2", previousPoolId: "p1", langPair: enZh } }]));
  it("refuses when someone moved the session first (compare-and-set)", () =>
    given([bound, { type: "SessionRebound", data: { poolId: "p3", previousPoolId: "p1", langPair: enZh } }])
      .when(rebind("p2", "p1"))
      .thenThrows("session_already_bound"));
  it("refuses a session that is not bound", () => given([]).when(rebind("p2", "p1")).thenThrows("session_already_bound"));
  it("changes nothing when the target is where it already is", () => given([bound]).when(rebind("p1", "p1")).thenNothing());
});
