import type { JetStreamClient } from "@nats-io/jetstream";
import type { InvocationAssigned } from "../../domain/events/invocation.js";
import { H } from "../../domain/headers.js";
import { subjects } from "../../domain/subjects.js";
import type { TraceHeaders } from "../../domain/trace-context.js";
import { envelopeOfOwn, newMeta } from "../codec.js";
import { encodeJson } from "../json.js";
import { setTraceHeaders } from "../trace-headers.js";

/**
 * Publishes a placement on the node's subject. The event id is `<invocation>.<attempt>`, so a
 * scheduler replica that places a redelivered request again within the duplicate window
 * produces no second assignment (`duplicate`: it gives its reservation back unless a node has
 * committed it, since the stored assignment may name the same lease). `trace` is
 * the context the node's run continues (the placement's span, or the caller's trace as it came).
 */
export async function publishAssignment(js: JetStreamClient, a: InvocationAssigned, trace?: TraceHeaders): Promise<{ seq: number; duplicate: boolean }> {
  const event = { type: "InvocationAssigned" as const, data: a };
  const meta = newMeta(event, { type: "invocation", id: a.invocationId }, { eventId: `${a.invocationId}.${a.attempt}` });
  const { headers, body } = envelopeOfOwn(event, meta);
  headers.set(H.invocationId, a.invocationId);
  headers.set(H.attempt, String(a.attempt));
  setTraceHeaders(headers, trace);
  const ack = await js.publish(subjects.assign(a.nodeId), encodeJson(body), { headers, msgID: meta.eventId });
  return { seq: ack.seq, duplicate: ack.duplicate };
}
