import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import type { NodeStatusReported } from "../domain/events/status.js";
import { subjects } from "../domain/subjects.js";
import { encodeEnvelope, newMeta } from "./codec.js";
import { encodeJson } from "./json.js";

/** One batched report on `spear.status.<nodeId>`; its event id makes a repeated publish harmless. */
export function publishStatusReport(js: JetStreamClient, nodeId: string, report: NodeStatusReported): Promise<PubAck> {
  const event = { type: "NodeStatusReported" as const, data: report };
  const meta = newMeta(event, { type: "node", id: nodeId }, { eventId: `${nodeId}.status.${report.reportSeq}.${report.at}` });
  const { headers, body } = encodeEnvelope(event, meta);
  return js.publish(subjects.status(nodeId), encodeJson(body), { headers, msgID: meta.eventId });
}
