import { SpearError } from "../errors.js";
import type { InstanceState, InstanceStateChanged } from "../events/instance.js";

/**
 * The life of one function instance on a spearlet (seed 000), as the states each state may move
 * to. `null` is "no instance yet".
 *
 * ```
 * (none) → Initializing → WarmingUp → Ready ⇄ Executing
 *                                      Ready → CoolingDown → Paused → Ready   (idle, then resumed)
 * Initializing | WarmingUp | Ready | Executing | CoolingDown | Paused → Error
 * Error | Ready | CoolingDown | Paused → Terminating → Terminated
 * ```
 *
 * Choices where the seed is silent: an Executing instance never goes straight to Terminating
 * (a call is running; it either finishes back to Ready or the instance fails to Error first), and
 * an instance that is still starting leaves only through Ready or Error, so every path to
 * Terminated passes a state in which no call is running. Terminated is final.
 */
export const instanceTransitions: Readonly<Record<InstanceState, readonly InstanceState[]>> = {
  Initializing: ["WarmingUp", "Error"],
  WarmingUp: ["Ready", "Error"],
  Ready: ["Executing", "CoolingDown", "Error", "Terminating"],
  Executing: ["Ready", "Error"],
  CoolingDown: ["Paused", "Error", "Terminating"],
  Paused: ["Ready", "Error", "Terminating"],
  Error: ["Terminating"],
  Terminating: ["Terminated"],
  Terminated: [],
};

/** The only state an instance may be born in. */
export const initialInstanceState: InstanceState = "Initializing";

export function canTransition(from: InstanceState | null, to: InstanceState): boolean {
  return from === null ? to === initialInstanceState : instanceTransitions[from].includes(to);
}

/** Returns `to` when the move is legal; throws `illegal_transition` (with from/to) otherwise. */
export function transition(from: InstanceState | null, to: InstanceState, instanceId?: string): InstanceState {
  if (canTransition(from, to)) return to;
  throw new SpearError(
    "illegal_transition",
    `instance${instanceId ? ` ${instanceId}` : ""} cannot go from ${from ?? "(none)"} to ${to}`,
    instanceId ? { from, to, instanceId } : { from, to },
  );
}

/** States in which the instance exists and may still fail (any of them may move to Error). */
export const isLive = (s: InstanceState): boolean => instanceTransitions[s].includes("Error");

export interface InstanceRef {
  readonly nodeId: string;
  readonly instanceId: string;
  readonly function: string;
  readonly version: number;
}

/** Checks the move and describes it as the event a spearlet reports; `at` is injected. */
export function instanceStateChanged(
  ref: InstanceRef,
  from: InstanceState | null,
  to: InstanceState,
  at: string,
  reason?: string,
): InstanceStateChanged {
  transition(from, to, ref.instanceId);
  const event: InstanceStateChanged = { nodeId: ref.nodeId, instanceId: ref.instanceId, function: ref.function, version: ref.version, from, to, at };
  return reason === undefined ? event : { ...event, reason: reason.slice(0, 512) };
}
