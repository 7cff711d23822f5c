import type { Decider } from "../decider.js";
import { SpearError } from "../errors.js";
import type { AggregateEvent } from "../events/catalog.js";
import type { LanguagePair } from "../ids.js";
import type { SessionCommand } from "./commands.js";

type SessionEvent = AggregateEvent<"session">;

export interface SessionDeciderState {
  readonly status: "new" | "bound" | "ended";
  readonly poolId?: string;
  readonly langPair?: LanguagePair;
}

const samePair = (a: LanguagePair | undefined, b: LanguagePair | undefined) => a?.source === b?.source && a?.target === b?.target;

function decide(command: SessionCommand, state: SessionDeciderState): SessionEvent[] {
  switch (command.type) {
    case "BindSession": {
      const { poolId, langPair, tenant } = command;
      if (state.status !== "bound") {
        return [{ type: "SessionBound", data: { poolId, ...(langPair ? { langPair } : {}), ...(tenant ? { tenant } : {}) } }];
      }
      if (langPair && !samePair(langPair, state.langPair)) {
        return [{ type: "SessionRebound", data: { poolId, previousPoolId: state.poolId!, langPair } }];
      }
      if (poolId === state.poolId) return [];
      throw new SpearError("session_already_bound", `session '${command.sessionId}' is bound to pool '${state.poolId}'`, {
        sessionId: command.sessionId,
        poolId: state.poolId,
        ...(state.langPair ? { langPair: state.langPair } : {}),
      });
    }
    case "RebindSession": {
      if (state.status !== "bound" || state.poolId !== command.previousPoolId) {
        throw new SpearError("session_already_bound", `session '${command.sessionId}' is not bound to pool '${command.previousPoolId}' any more`, {
          sessionId: command.sessionId,
          ...(state.poolId ? { poolId: state.poolId } : {}),
        });
      }
      if (command.poolId === state.poolId) return [];
      const langPair = command.langPair ?? state.langPair;
      return [{ type: "SessionRebound", data: { poolId: command.poolId, previousPoolId: command.previousPoolId, ...(langPair ? { langPair } : {}) } }];
    }
    case "EndSession":
      if (state.status === "new") throw new SpearError("session_not_found", `no session '${command.sessionId}'`, { sessionId: command.sessionId });
      if (state.status === "ended") throw new SpearError("session_ended", `session '${command.sessionId}' has ended`, { sessionId: command.sessionId });
      return [{ type: "SessionEnded", data: { reason: "ended" } }];
    case "ExpireSession":
      return state.status === "bound" ? [{ type: "SessionEnded", data: { reason: "expired" } }] : [];
  }
}

/** A session's affinity: new → bound (⇄ rebound on a new pair) → ended → bound again. */
export const sessionDecider: Decider<SessionCommand, SessionDeciderState, SessionEvent> = {
  initialState: () => ({ status: "new" }),
  evolve: (state, event) => {
    switch (event.type) {
      case "SessionBound":
        return { status: "bound", poolId: event.data.poolId, ...(event.data.langPair ? { langPair: event.data.langPair } : {}) };
      case "SessionRebound":
        return { status: "bound", poolId: event.data.poolId, ...(event.data.langPair ? { langPair: event.data.langPair } : {}) };
      case "SessionEnded":
        return { status: "ended" };
      default:
        return state;
    }
  },
  decide,
};
