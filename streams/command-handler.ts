import { isSpearError, SpearError } from "../domain/errors.js";
import type { Decider } from "../domain/decider.js";
import type { DomainEvent } from "../domain/events/catalog.js";
import type { AggregateRef } from "../domain/events/envelope.js";
import type { EventStore } from "./event-store.js";

export interface HandleOptions {
  readonly correlationId?: string;
  readonly causationId?: string;
  /** Attempts when someone else appends between our read and our write. */
  readonly maxAttempts?: number;
}

export interface HandleResult<State> {
  readonly events: readonly DomainEvent[];
  readonly state: State;
  readonly version: number;
}

/**
 * Load → decide → append with the version read; on a version conflict read again and decide
 * again, because the newer history may change the decision (or make it a no-op).
 */
export async function handleCommand<Command, State>(
  store: EventStore,
  aggregate: AggregateRef,
  decider: Decider<Command, State, DomainEvent>,
  command: Command,
  opts: HandleOptions = {},
): Promise<HandleResult<State>> {
  const maxAttempts = opts.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const { events: history, version } = await store.read(aggregate);
    let state = decider.initialState();
    for (const e of history) state = decider.evolve(state, e);
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
