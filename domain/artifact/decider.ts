import type { Decider } from "../decider.js";
import { SpearError } from "../errors.js";
import type { AggregateEvent } from "../events/catalog.js";
import type { ArtifactCommand } from "./commands.js";

type ArtifactEvent = AggregateEvent<"artifact">;

export interface ArtifactDeciderState {
  readonly uploaded: boolean;
  readonly size: number;
}

const initialState = (): ArtifactDeciderState => ({ uploaded: false, size: 0 });

const evolve = (state: ArtifactDeciderState, event: ArtifactEvent): ArtifactDeciderState =>
  event.type === "ArtifactUploaded" ? { uploaded: true, size: event.data.size } : state;

export const tooLarge = (size: number, maxBytes: number) =>
  new SpearError("payload_too_large", `the artifact has ${size} bytes; the limit is ${maxBytes} bytes`, { size, maxBytes });

function decide(command: ArtifactCommand, state: ArtifactDeciderState): ArtifactEvent[] {
  if (state.uploaded) return [];
  if (command.size > command.maxBytes) throw tooLarge(command.size, command.maxBytes);
  const { sha256, size, name, contentType } = command;
  return [
    {
      type: "ArtifactUploaded",
      data: { sha256, size, ...(name !== undefined ? { name } : {}), ...(contentType !== undefined ? { contentType } : {}) },
    },
  ];
}

/** Content-addressed bytes: recorded once per sha256, however often they are deployed. */
export const artifactDecider: Decider<ArtifactCommand, ArtifactDeciderState, ArtifactEvent> = { initialState, evolve, decide };
