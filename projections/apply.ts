import { SpearError } from "../domain/errors.js";
import type { RecordedEvent } from "../domain/events/envelope.js";
import { decodeOwn, type RawStoredMessage } from "../streams/codec.js";
import type { DocStore } from "./doc-store.js";
import type { Projection } from "./projection.js";

/** Decodes one stored message and folds it in. A message that fails either step changes nothing: its error is returned. */
export function applyMessage<D>(projection: Projection<D>, store: DocStore<D>, raw: RawStoredMessage): SpearError | undefined {
  let event: RecordedEvent;
  try {
    event = decodeOwn(raw, projection.stream);
  } catch (e) {
    return asSpearError(e, "invalid_event");
  }
  try {
    projection.evolve(store, event);
    store.commit();
    return undefined;
  } catch (e) {
    store.rollback();
    return asSpearError(e, "invalid_event", `${projection.name} could not apply ${event.type}`);
  }
}

const asSpearError = (e: unknown, code: "invalid_event", prefix?: string): SpearError => {
  if (e instanceof SpearError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new SpearError(code, prefix ? `${prefix}: ${message}` : message, undefined, { cause: e });
};
