import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import type { NodeStatusReported } from "../domain/events/status.js";
import { subjects } from "../domain/subjects.js";
import { envelopeOfOwn, newMeta } from "./codec.js";
import { encodeJson } from "./json.js";

/** A report as it is published: subject, envelope headers, body, and its event id (the `Nats-Msg-Id`). */
export function encodeStatusReport(nodeId: string, report: NodeStatusReported) {
  const event = { type: "NodeStatusReported" as const, data: report };
  const meta = newMeta(event, { type: "node", id: nodeId }, { eventId: `${nodeId}.status.${report.reportSeq}.${report.at}` });
  const { headers, body } = envelopeOfOwn(event, meta);
  return { subject: subjects.status(nodeId), headers, payload: encodeJson(body), msgID: meta.eventId };
}

/** One batched report on `spear.status.<nodeId>`; its event id makes a repeated publish harmless. */
export function publishStatusReport(js: JetStreamClient, nodeId: string, report: NodeStatusReported): Promise<PubAck> {
  const r = encodeStatusReport(nodeId, report);
  return js.publish(r.subject, r.payload, { headers: r.headers, msgID: r.msgID });
}
