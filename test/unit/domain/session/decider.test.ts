import { describe, expect, it } from "vitest";
import type { DomainEvent } from "../../../../domain/events/catalog.js";
import { sessionDecider } from "../../../../domain/session/decider.js";
import { evolveSessionView, type SessionView } from "../../../../domain/session/view.js";
import { deciderSpec } from "../../../support/decider-spec.js";
import { recorder } from "../../../support/recorded.js";

const given = deciderSpec(sessionDecider);
const enZh = { source: "en", target: "zh" };
const enJa = { source: "en", target: "ja" };
const bound: DomainEvent = { type: "SessionBound", data: { poolId: "p1", langPair: enZh } };
const ended: DomainEvent = { type: "SessionEnded", data: { reason: "ended" } };
const bind = (poolId: string, langPair?: { source: string; target: string }) => ({
  type: "BindSession" as const,
  sessionId: "s1",
  poolId,
  ...(langPair ? { langPair } : {}),
});

describe("session decider", () => {
  it("binds a new session", () => given([]).when(bind("p1", enZh)).then([bound]));
  it("binds with a tenant", () =>
    given([])
      .when({ ...bind("p1"), tenant: "acme" })
      .then([{ type: "SessionBound", data: { poolId: "p1", tenant: "acme" } }]));
  it("changes nothing when the same binding comes again", () => given([bound]).when(bind("p1", enZh)).thenNothing());
  it("changes nothing when a bind names no pair and the same pool", () => given([bound]).when(bind("p1")).thenNothing());
  it("refuses another pool for the same pair: the first binding wins", () => given([bound]).when(bind("p2", enZh)).thenThrows("session_already_bound"));
  it("refuses another pool when no pair is given", () => given([bound]).when(bind("p2")).thenThrows("session_already_bound"));
  it("rebinds on a new language pair", () =>
    given([bound])
      .when(bind("p2", enJa))
      .then([{ type: "SessionRebound", data: { poolId: "p2", previousPoolId: "p1", langPair: enJa } }]));
  it("binds afresh after the session ended", () => given([bound, ended]).when(bind("p2", enZh)).then([{ type: "SessionBound", data: { poolId: "p2", langPair: enZh } }]));
  it("ends a bound session", () => given([bound]).when({ type: "EndSession", sessionId: "s1" }).then([ended]));
  it("refuses to end an unknown session", () => given([]).when({ type: "EndSession", sessionId: "s1" }).thenThrows("session_not_found"));
  it("refuses to end an ended session", () => given([bound, ended]).when({ type: "EndSession", sessionId: "s1" }).thenThrows("session_ended"));
  it("expires a bound session", () => given([bound]).when({ type: "ExpireSession", sessionId: "s1" }).then([{ type: "SessionEnded", data: { reason: "expired" } }]));
  it("expires nothing that is not bound", () => {
    given([]).when({ type: "ExpireSession", sessionId: "s1" }).thenNothing();
    given([bound, ended]).when({ type: "ExpireSession", sessionId: "s1" }).thenNothing();
  });
});

describe("session view", () => {
  it("follows bind, rebind and end", () => {
    const r = recorder("session");
    const fold = (events: DomainEvent[]) => events.map((e) => r("s1", e)).reduce<SessionView | undefined>(evolveSessionView, undefined);
    const v = fold([bound, { type: "SessionRebound", data: { poolId: "p2", previousPoolId: "p1", langPair: enJa } }])!;
    expect(v).toMatchObject({ id: "s1", poolId: "p2", langPair: enJa, ended: false, rebinds: 1, boundAt: "2030-01-01T00:00:00.000Z", lastBoundAt: "2030-01-01T00:00:01.000Z" });
    const e = evolveSessionView(v, r("s1", { type: "SessionEnded", data: { reason: "expired" } }))!;
    expect(e).toMatchObject({ poolId: null, ended: true, endReason: "expired" });
  });
});
