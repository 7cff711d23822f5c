import type { AggregateType } from "./events/catalog.js";

/** Every subject Spear publishes on is built here, so the contract has one source. */
export const subjects = {
  event: (type: AggregateType, id: string) => `spear.evt.${type}.${id}`,
  eventsOf: (type: AggregateType) => `spear.evt.${type}.>`,
  allEvents: "spear.evt.>",
  invoke: (fn: string) => `spear.invoke.${fn}`,
  allInvokes: "spear.invoke.>",
  assign: (nodeId: string) => `spear.assign.${nodeId}`,
  allAssigns: "spear.assign.>",
  status: (nodeId: string) => `spear.status.${nodeId}`,
  allStatus: "spear.status.>",
  result: (invocationId: string) => `spear.result.${invocationId}`,
  allResults: "spear.result.>",
  dlq: (source: string, key: string) => `spear.dlq.${source}.${key}`,
  allDlq: "spear.dlq.>",
  api: (area: string, verb: string) => `spear.api.${area}.${verb}`,
  /** A verb one spearlet answers for itself (stats, health): `spear.api.nodes.<nodeId>.<verb>`. */
  nodeApi: (nodeId: string, verb: string) => `spear.api.nodes.${nodeId}.${verb}`,
} as const;

/** The last token of a subject, i.e. the aggregate id of `spear.evt.<type>.<id>`. */
export const lastToken = (subject: string): string => subject.slice(subject.lastIndexOf(".") + 1);
