import type { Decider } from "../decider.js";
import type { AggregateEvent } from "../events/catalog.js";
import type { InvocationRedriven } from "../events/invocation.js";

/** Send a dead-lettered invocation back as the new invocation `redriveId`. */
export interface RedriveInvocation extends InvocationRedriven {
  readonly invocationId: string;
}

export interface RedriveState {
  /** The redrive recorded for this invocation, if any: the first one stands. */
  readonly redriven?: InvocationRedriven;
}

/**
 * One redrive per invocation: asking again (the same dead letter twice, two dead letters of one
 * invocation, two operators at once) decides nothing, and the caller reads the recorded
 * `redriveId` from the state, so every redrive of an invocation names the same new invocation.
 */
export const redriveDecider: Decider<RedriveInvocation, RedriveState, AggregateEvent<"invocation">> = {
  initialState: () => ({}),
  evolve: (state, event) => (event.type === "InvocationRedriven" && !state.redriven ? { redriven: event.data } : state),
  decide: (command, state) => {
    if (state.redriven) return [];
    const { invocationId: _id, ...data } = command;
    return [{ type: "InvocationRedriven", data }];
  },
};
