import { describe, expect, it } from "vitest";
import { isSpearError, SpearError } from "../../../domain/errors.js";
import { InstanceState } from "../../../domain/events/instance.js";
import {
  canTransition,
  instanceStateChanged,
  instanceTransitions,
  isLive,
  transition,
} from "../../../domain/instance/lifecycle.js";

const states = InstanceState.options;

/** The table as the seed and the brief describe it, written out once more by hand. */
const legal: ReadonlyArray<readonly [InstanceState | null, InstanceState]> = [
  [null, "Initializing"],
  ["Initializing", "WarmingUp"],
  ["WarmingUp", "Ready"],
  ["Ready", "Executing"],
  ["Executing", "Ready"],
  ["Ready", "CoolingDown"],
  ["CoolingDown", "Paused"],
  ["Paused", "Ready"],
  ["Initializing", "Error"],
  ["WarmingUp", "Error"],
  ["Ready", "Error"],
  ["Executing", "Error"],
  ["CoolingDown", "Error"],
  ["Paused", "Error"],
  ["Error", "Terminating"],
  ["Ready", "Terminating"],
  ["Paused", "Terminating"],
  ["CoolingDown", "Terminating"],
  ["Terminating", "Terminated"],
];
const isListed = (from: InstanceState | null, to: InstanceState) => legal.some(([f, t]) => f === from && t === to);

const thrown = (f: () => unknown): SpearError => {
  try {
    f();
  } catch (e) {
    if (isSpearError(e)) return e;
    throw e;
  }
  throw new Error("expected a SpearError");
};

describe("instance lifecycle", () => {
  it.each(legal)("allows %s → %s", (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(transition(from, to)).toBe(to);
  });

  it("allows nothing beyond the listed moves (every pair of states checked)", () => {
    const allowed = [null, ...states].flatMap((from) => states.filter((to) => canTransition(from, to)).map((to) => [from, to]));
    expect(allowed).toHaveLength(legal.length);
    for (const [from, to] of allowed) expect(isListed(from as InstanceState | null, to as InstanceState)).toBe(true);
  });

  it.each([
    [null, "Ready"],
    ["Initializing", "Ready"],
    ["Initializing", "Terminating"],
    ["WarmingUp", "Executing"],
    ["Executing", "Terminating"],
    ["Executing", "Paused"],
    ["Executing", "Executing"],
    ["Paused", "Executing"],
    ["CoolingDown", "Ready"],
    ["Error", "Ready"],
    ["Terminating", "Error"],
    ["Terminated", "Initializing"],
    ["Terminated", "Ready"],
  ] as const)("refuses %s → %s with illegal_transition and from/to", (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    const e = thrown(() => transition(from, to, "fn-1-a"));
    expect(e.code).toBe("illegal_transition");
    expect(e.details).toEqual({ from, to, instanceId: "fn-1-a" });
  });

  it("has Terminated as the only final state, and every other state can reach it", () => {
    const reaches = (s: InstanceState, seen = new Set<InstanceState>()): boolean =>
      s === "Terminated" || (!seen.has(s) && instanceTransitions[s].some((n) => reaches(n, new Set([...seen, s]))));
    for (const s of states) expect(reaches(s), s).toBe(true);
    expect(states.filter((s) => instanceTransitions[s].length === 0)).toEqual(["Terminated"]);
  });

  it("calls live every state that may still fail", () => {
    expect(states.filter(isLive)).toEqual(["Initializing", "WarmingUp", "Ready", "Executing", "CoolingDown", "Paused"]);
  });

  it("describes a legal move as an InstanceStateChanged and refuses an illegal one", () => {
    const ref = { nodeId: "n1", instanceId: "echo-1-a", function: "echo", version: 1 };
    const at = "2024-01-01T00:00:00.000Z";
    expect(instanceStateChanged(ref, "Ready", "CoolingDown", at, "idle")).toEqual({ ...ref, from: "Ready", to: "CoolingDown", at, reason: "idle" });
    expect(instanceStateChanged(ref, null, "Initializing", at)).toEqual({ ...ref, from: null, to: "Initializing", at });
    expect(thrown(() => instanceStateChanged(ref, "Terminated", "Ready", at)).code).toBe("illegal_transition");
  });
});
