import { sameJson } from "../api/canonical-json.js";
import type { Decider } from "../decider.js";
import { SpearError } from "../errors.js";
import type { AggregateEvent, EventData } from "../events/catalog.js";
import type { FunctionSpec } from "../events/function.js";
import type { FunctionCommand } from "./commands.js";

type FunctionEvent = AggregateEvent<"function">;

export interface FunctionDeciderState {
  readonly exists: boolean;
  readonly deleted: boolean;
  readonly specs: ReadonlyMap<number, FunctionSpec>;
  readonly latest: number;
  readonly active: number | null;
  readonly description?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

const initialState = (): FunctionDeciderState => ({ exists: false, deleted: false, specs: new Map(), latest: 0, active: null });

function evolve(state: FunctionDeciderState, event: FunctionEvent): FunctionDeciderState {
  switch (event.type) {
    case "FunctionVersionDeployed": {
      const specs = new Map(state.specs).set(event.data.version, event.data.spec);
      return {
        ...state,
        exists: true,
        deleted: false,
        specs,
        latest: Math.max(state.latest, event.data.version),
        active: event.data.activate ? event.data.version : state.active,
      };
    }
    case "FunctionUpdated":
      return {
        ...state,
        ...(event.data.description !== undefined ? { description: event.data.description } : {}),
        ...(event.data.labels !== undefined ? { labels: event.data.labels } : {}),
      };
    case "FunctionVersionActivated":
      return { ...state, active: event.data.version };
    case "FunctionDeactivated":
      return { ...state, active: null };
    case "FunctionDeleted":
      return { ...state, deleted: true, active: null };
    default:
      return state;
  }
}

function requireLive(state: FunctionDeciderState, name: string): void {
  if (!state.exists) throw new SpearError("function_not_found", `no function '${name}' is deployed`, { function: name });
  if (state.deleted) throw new SpearError("function_deleted", `function '${name}' was deleted`, { function: name });
}

function decide(command: FunctionCommand, state: FunctionDeciderState): FunctionEvent[] {
  switch (command.type) {
    case "DeployFunction": {
      const latestSpec = state.specs.get(state.latest);
      if (!state.deleted && latestSpec && sameJson(latestSpec, command.spec)) {
        const activate = command.activate && state.active !== state.latest;
        return activate ? [{ type: "FunctionVersionActivated", data: { version: state.latest } }] : [];
      }
      // Numbers are never reused, even after a delete: version n of a name always means one spec.
      return [{ type: "FunctionVersionDeployed", data: { version: state.latest + 1, spec: command.spec, activate: command.activate } }];
    }
    case "UpdateFunction": {
      requireLive(state, command.name);
      const data: EventData<"FunctionUpdated"> = {};
      if (command.description !== undefined && command.description !== state.description) data.description = command.description;
      if (command.labels !== undefined && !sameJson(command.labels, state.labels ?? {})) data.labels = command.labels;
      return Object.keys(data).length > 0 ? [{ type: "FunctionUpdated", data }] : [];
    }
    case "ActivateVersion":
      requireLive(state, command.name);
      if (!state.specs.has(command.version)) {
        throw new SpearError("version_not_found", `function '${command.name}' has no version ${command.version} (latest is ${state.latest})`, {
          function: command.name,
          version: command.version,
        });
      }
      return state.active === command.version ? [] : [{ type: "FunctionVersionActivated", data: { version: command.version } }];
    case "DeactivateFunction":
      requireLive(state, command.name);
      if (state.active === null) throw new SpearError("function_inactive", `function '${command.name}' has no active version`, { function: command.name });
      return [{ type: "FunctionDeactivated", data: {} }];
    case "DeleteFunction":
      requireLive(state, command.name);
      return [{ type: "FunctionDeleted", data: {} }];
  }
}

/**
 * A function (the seeds' Task): immutable numbered versions, at most one active, deleted
 * for good until deployed again (numbering goes on). Commands on a missing or deleted
 * function, or on a missing version, are refused with typed errors.
 */
export const functionDecider: Decider<FunctionCommand, FunctionDeciderState, FunctionEvent> = { initialState, evolve, decide };
