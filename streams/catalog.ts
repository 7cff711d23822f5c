import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { subjects } from "../domain/subjects.js";

export const streamNames = {
  events: "SPEAR_EVENTS",
  invoke: "SPEAR_INVOKE",
  assign: "SPEAR_ASSIGN",
  results: "SPEAR_RESULTS",
  status: "SPEAR_STATUS",
  dlq: "SPEAR_DLQ",
} as const;
export type StreamKey = keyof typeof streamNames;
export type StreamName = (typeof streamNames)[StreamKey];

export interface StreamSettings {
  /** 1 on a single server, 3 on the cluster in infra/nats/cluster. */
  readonly replicas: number;
  readonly invokeMaxAgeMs: number;
  readonly assignMaxAgeMs: number;
  readonly resultMaxAgeMs: number;
  readonly statusMaxAgeMs: number;
  /** How long a repeated `Nats-Msg-Id` (event id, invocation id) is recognised as a duplicate. */
  readonly dedupeWindowMs: number;
}

export const defaultStreamSettings: StreamSettings = {
  replicas: 1,
  invokeMaxAgeMs: 24 * 3_600_000,
  assignMaxAgeMs: 24 * 3_600_000,
  resultMaxAgeMs: 24 * 3_600_000,
  statusMaxAgeMs: 3_600_000,
  dedupeWindowMs: 120_000,
};

export interface StreamDefinition {
  readonly key: StreamKey;
  readonly description: string;
  readonly config: Partial<StreamConfig> & { name: string; subjects: string[] };
}

/** The streams Spear runs on; docs/architecture.md describes each. Max age 0 keeps forever. */
export function streamCatalog(s: StreamSettings): StreamDefinition[] {
  const base = (name: StreamName, subject: string, maxAgeMs: number) => ({
    name,
    subjects: [subject],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    num_replicas: s.replicas,
    max_age: nanos(maxAgeMs),
    duplicate_window: nanos(Math.min(s.dedupeWindowMs, maxAgeMs || s.dedupeWindowMs)),
    allow_direct: true,
  });
  return [
    {
      key: "events",
      description: "control events, one subject per aggregate: spear.evt.<aggregate>.<id>",
      config: base(streamNames.events, subjects.allEvents, 0),
    },
    {
      key: "invoke",
      description: "invocation requests and retries: spear.invoke.<function>",
      config: base(streamNames.invoke, subjects.allInvokes, s.invokeMaxAgeMs),
    },
    {
      key: "assign",
      description: "placement decisions (InvocationAssigned): spear.assign.<nodeId>",
      config: base(streamNames.assign, subjects.allAssigns, s.assignMaxAgeMs),
    },
    {
      key: "results",
      description: "the one final result of each invocation: spear.result.<invocationId>",
      config: base(streamNames.results, subjects.allResults, s.resultMaxAgeMs),
    },
    {
      key: "status",
      description: "batched spearlet status reports: spear.status.<nodeId>",
      config: base(streamNames.status, subjects.allStatus, s.statusMaxAgeMs),
    },
    {
      key: "dlq",
      description: "what could not be processed, with the reason and the original: spear.dlq.<source>.<key>",
      config: base(streamNames.dlq, subjects.allDlq, 0),
    },
  ];
}

/**
 * How long a consumer's pull waits before it is made again. Short, because nats.js waits a
 * random part of it before checking a consumer again after a reconnect that found JetStream not
 * ready yet (a restarted server recovering its streams): with the 30 s default a service could
 * sit idle for that long after a NATS restart.
 */
export const PULL_EXPIRES_MS = 3_000;
