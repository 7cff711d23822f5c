import { sameJson } from "../api/canonical-json.js";
import type { Decider } from "../decider.js";
import { SpearError } from "../errors.js";
import type { AggregateEvent } from "../events/catalog.js";
import type { PoolDefinition } from "../events/pool.js";
import { defaultPoolSettings, type ChangePoolSettingsCommand, type PoolCommand, type PoolSettings } from "./commands.js";

type PoolEvent = AggregateEvent<"pool">;

export interface PoolDeciderState {
  readonly definition: PoolDefinition | null;
}

function decide(command: PoolCommand, state: PoolDeciderState): PoolEvent[] {
  switch (command.type) {
    case "DefinePool": {
      const definition: PoolDefinition = { ...command.spec, generated: false };
      if (!state.definition) return [{ type: "PoolDefined", data: definition }];
      return sameJson(state.definition, definition) ? [] : [{ type: "PoolUpdated", data: definition }];
    }
    case "RemovePool":
      if (!state.definition) throw new SpearError("pool_not_found", `no pool '${command.poolId}' is configured`, { poolId: command.poolId });
      return [{ type: "PoolRemoved", data: {} }];
  }
}

/** A configured pool (aggregate id = pool id): defined, changed, removed, defined again. */
export const poolDecider: Decider<PoolCommand, PoolDeciderState, PoolEvent> = {
  initialState: () => ({ definition: null }),
  evolve: (state, event) => {
    if (event.type === "PoolDefined" || event.type === "PoolUpdated") return { definition: event.data };
    if (event.type === "PoolRemoved") return { definition: null };
    return state;
  },
  decide,
};

/** The cluster-wide pool settings (aggregate id `_settings`); only real changes are recorded. */
export const poolSettingsDecider: Decider<ChangePoolSettingsCommand, PoolSettings, PoolEvent> = {
  initialState: () => defaultPoolSettings,
  evolve: (state, event) => (event.type === "PoolSettingsChanged" ? event.data : state),
  decide: (command, state) => {
    const next: PoolSettings = {
      strict: command.strict ?? state.strict,
      autoGenerate: command.autoGenerate ?? state.autoGenerate,
      tenantOverrides: command.tenantOverrides ?? state.tenantOverrides,
    };
    return sameJson(next, state) ? [] : [{ type: "PoolSettingsChanged", data: next }];
  },
};
