import { describe, expect, it } from "vitest";
import type { Decider } from "../../../domain/decider.js";
import { eventCatalog, isEventOf, type AggregateEvent, type DomainEvent } from "../../../domain/events/catalog.js";

describe("per-aggregate event unions", () => {
  it("take each event to the aggregate the catalog gives it", () => {
    const bound: DomainEvent = { type: "SessionBound", data: { poolId: "p1" } };
    expect(isEventOf("session", bound)).toBe(true);
    expect(isEventOf("node", bound)).toBe(false);
    for (const [type, def] of Object.entries(eventCatalog)) expect(isEventOf(def.aggregate, { type, data: {} } as DomainEvent)).toBe(true);
  });

  it("keep a decider from emitting another aggregate's event (checked by the compiler)", () => {
    const session: Decider<"end", null, AggregateEvent<"session">> = {
      initialState: () => null,
      evolve: (s) => s,
      // @ts-expect-error NodeDeregistered is a node's event, not a session's
      decide: () => [{ type: "NodeDeregistered", data: {} }],
    };
    expect(session.initialState()).toBeNull();
  });
});
