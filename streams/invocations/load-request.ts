import type { JetStreamManager } from "@nats-io/jetstream";
import { streamNames } from "../catalog.js";
import { rawOf } from "../codec.js";
import { getStoredMessage } from "../stored-message.js";
import { parseRequest, type ParseOutcome } from "./request.js";

/** Reads an invocation request back by its stream sequence (to retry it), or undefined once it aged out. */
export async function loadRequest(jsm: JetStreamManager, seq: number): Promise<ParseOutcome | undefined> {
  const m = await getStoredMessage(jsm, streamNames.invoke, { seq });
  return m ? parseRequest(rawOf(m)) : undefined;
}
