import type { DomainEvent } from "./events/catalog.js";

/**
 * An aggregate's behaviour as three pure parts (after emmett's Decider): `decide` turns a
 * command and the current state into new events or throws a SpearError; `evolve` folds one
 * event into the state; `initialState` is the state before any event. `Event` is the aggregate's
 * own union (`AggregateEvent<"session">`, say), so a decider cannot emit another aggregate's event.
 */
export interface Decider<Command, State, Event extends DomainEvent> {
  readonly initialState: () => State;
  readonly evolve: (state: State, event: Event) => State;
  readonly decide: (command: Command, state: State) => readonly Event[];
}

export const fold = <State, Event extends DomainEvent>(
  decider: Pick<Decider<unknown, State, Event>, "initialState" | "evolve">,
  events: Iterable<Event>,
): State => {
  let state = decider.initialState();
  for (const e of events) state = decider.evolve(state, e);
  return state;
};
