import { expect } from "vitest";
import type { Decider } from "../../domain/decider.js";
import type { ErrorCode } from "../../domain/errors.js";
import { SpearError } from "../../domain/errors.js";
import type { DomainEvent } from "../../domain/events/catalog.js";

/**
 * given(events).when(command).then(events) | thenThrows(code): a decider's behaviour as
 * specifications over its history, after emmett's DeciderSpecification.
 */
export const deciderSpec =
  <C, S, E extends DomainEvent>(decider: Decider<C, S, E>) =>
  (given: readonly E[] = []) => ({
    when: (command: C) => {
      const run = () => {
        let state = decider.initialState();
        for (const e of given) state = decider.evolve(state, e);
        return decider.decide(command, state);
      };
      return {
        then: (expected: readonly E[]) => expect(run()).toEqual(expected),
        thenNothing: () => expect(run()).toEqual([]),
        thenThrows: (code: ErrorCode) => {
          let thrown: unknown;
          try {
            run();
          } catch (e) {
            thrown = e;
          }
          expect(thrown, `expected a SpearError with code ${code}`).toBeInstanceOf(SpearError);
          expect((thrown as SpearError).code).toBe(code);
        },
      };
    },
  });
