import { isSpearError, SpearError } from "../domain/errors.js";
import type { Decider } from "../domain/decider.js";
import { isEventOf, type AggregateEvent, type AggregateType } from "../domain/events/catalog.js";
import type { AggregateRef } from "../domain/events/envelope.js";
import type { EventStore } from "./event-store.js";

export interface HandleOptions {
  readonly correlationId?: string;
  readonly causationId?: string;
  /** Attempts when someone else appends between our read and our write. */
  readonly maxAttempts?: number;
}

export interface HandleResult<State, Event = AggregateEvent<AggregateType>> {
  readonly events: readonly Event[];
  readonly state: State;
  readonly version: number;
}

/**
 * Load → decide → append with the version read; on a version conflict read again and decide
 * again, because the newer history may change the decision (or make it a no-op).
 */
export async function handleCommand<A extends AggregateType, Command, State>(
  store: EventStore,
  aggregate: AggregateRef<A>,
  decider: Decider<Command, State, AggregateEvent<A>>,
  command: Command,
  opts: HandleOptions = {},
): Promise<HandleResult<State, AggregateEvent<A>>> {
  const maxAttempts = opts.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const { events: history, version } = await store.read(aggregate);
    let state = decider.initialState();
    for (const e of history) {
      // The subject names the aggregate; an event of another kind there was not written by Spear.
      if (!isEventOf(aggregate.type, e)) throw new SpearError("invalid_event", `${e.type} is not an event of a ${aggregate.type}`, { type: e.type });
      state = decider.evolve(state, e);
    }
    const events = decider.decide(command, state);
    if (events.length === 0) return { events, state, version };
    try {
      const result = await store.append(aggregate, events, {
        expectedVersion: version,
        ...(opts.correlationId ? { correlationId: opts.correlationId } : {}),
        ...(opts.causationId ? { causationId: opts.causationId } : {}),
      });
      for (const e of events) state = decider.evolve(state, e);
      return { events, state, version: result.version };
    } catch (e) {
      if (!isSpearError(e, "version_conflict") || attempt >= maxAttempts) {
        if (isSpearError(e, "version_conflict")) {
          throw new SpearError("version_conflict", `${e.message} (gave up after ${attempt} attempts)`, e.details, { cause: e });
        }
        throw e;
      }
    }
  }
}
