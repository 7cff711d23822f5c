import { z } from "zod";
import { SpearError } from "../errors.js";
import { ArtifactUploaded } from "./artifact.js";
import {
  FunctionDeactivated,
  FunctionDeleted,
  FunctionUpdated,
  FunctionVersionActivated,
  FunctionVersionDeployed,
} from "./function.js";
import { InstanceStateChanged } from "./instance.js";
import { InvocationAssigned, InvocationFinished, InvocationRedriven, InvokeRequest } from "./invocation.js";
import {
  NodeDeregistered,
  NodeDrained,
  NodeLost,
  NodeRecovered,
  NodeRegistered,
  NodeRegisteredV1,
  NodeUndrained,
  NodeUpdated,
} from "./node.js";
import { PoolDefined, PoolRemoved, PoolSettingsChanged, PoolUpdated } from "./pool.js";
import { SessionBound, SessionEnded, SessionRebound } from "./session.js";
import { isPlainStatusReport } from "./plain-status.js";
import { NodeStatusReported } from "./status.js";

export const AggregateType = z.enum(["node", "function", "artifact", "pool", "session", "instance", "invocation"]);
export type AggregateType = z.infer<typeof AggregateType>;

type Upcaster = (older: unknown) => unknown;

interface EventDefinition<A extends AggregateType, S extends z.ZodType> {
  readonly aggregate: A;
  readonly description: string;
  /** The schema version written today. */
  readonly version: number;
  readonly schema: S;
  /** `upcasters[v]` turns a version-v body into a version-(v+1) body. */
  readonly upcasters: Readonly<Record<number, Upcaster>>;
  /**
   * For events read in bulk: a hand-written check that a body of the current version is one
   * the schema gives back unchanged. A body it passes is taken without a parse; any other is parsed.
   */
  readonly plain?: (body: unknown) => boolean;
}

const define = <A extends AggregateType, S extends z.ZodType>(
  aggregate: A,
  description: string,
  schema: S,
  version = 1,
  upcasters: Record<number, Upcaster> = {},
  plain?: (body: unknown) => boolean,
): EventDefinition<A, S> => ({ aggregate, description, schema, version, upcasters, ...(plain ? { plain } : {}) });

const nodeRegisteredV1toV2: Upcaster = (older) => {
  const v1 = NodeRegisteredV1.parse(older);
  return {
    name: v1.name,
    capabilities: { runtimes: v1.runtimes, services: [], languages: v1.languages, labels: {} },
    capacity: { slots: v1.slots },
  };
};

export const eventCatalog = {
  NodeRegistered: define("node", "A spearlet joined with its capabilities and capacity.", NodeRegistered, 2, { 1: nodeRegisteredV1toV2 }),
  NodeUpdated: define("node", "A node's capabilities or capacity changed.", NodeUpdated),
  NodeDrained: define("node", "No new work is placed on the node; running work finishes.", NodeDrained),
  NodeUndrained: define("node", "The node takes new work again.", NodeUndrained),
  NodeDeregistered: define("node", "The node left the cluster for good.", NodeDeregistered),
  NodeLost: define("node", "Status reports stopped for longer than the liveness timeout.", NodeLost),
  NodeRecovered: define("node", "A lost node reported again.", NodeRecovered),
  NodeStatusReported: define(
    "node",
    "A spearlet's batched report: heartbeat and usage, instance transitions, invocation outcomes.",
    NodeStatusReported,
    1,
    {},
    isPlainStatusReport,
  ),

  FunctionVersionDeployed: define("function", "A new immutable version of a function, optionally made the active one.", FunctionVersionDeployed),
  FunctionUpdated: define("function", "Function-level metadata (description, labels) changed.", FunctionUpdated),
  FunctionVersionActivated: define("function", "Invocations without a version now run this one.", FunctionVersionActivated),
  FunctionDeactivated: define("function", "No version is active; invocations without a version are rejected.", FunctionDeactivated),
  FunctionDeleted: define("function", "The function is gone; its versions can no longer be invoked.", FunctionDeleted),

  ArtifactUploaded: define("artifact", "Bytes stored once in the object store under their sha256.", ArtifactUploaded),

  PoolDefined: define("pool", "A pool of nodes with its service and language requirements.", PoolDefined),
  PoolUpdated: define("pool", "A pool's definition changed.", PoolUpdated),
  PoolRemoved: define("pool", "The pool no longer exists.", PoolRemoved),
  PoolSettingsChanged: define("pool", "Cluster-wide pool settings (aggregate id _settings): strict mode, auto-generation, tenant overrides.", PoolSettingsChanged),

  SessionBound: define("session", "A session's preferred pool and language pair, bound on first use.", SessionBound),
  SessionRebound: define("session", "A change of language pair moved the session to another pool.", SessionRebound),
  SessionEnded: define("session", "The session ended or expired.", SessionEnded),

  InstanceStateChanged: define("instance", "An instance moved between states (carried in status reports).", InstanceStateChanged),

  InvocationRequested: define("invocation", "A client asked for an invocation (body published on spear.invoke.<function>).", InvokeRequest),
  InvocationRetryRequested: define("invocation", "A further attempt of an invocation, republished with the original body.", InvokeRequest),
  InvocationAssigned: define("invocation", "The scheduler placed an attempt on a node with a slot lease.", InvocationAssigned),
  InvocationFinished: define("invocation", "The one final result of an invocation.", InvocationFinished),
  InvocationRedriven: define("invocation", "A dead-lettered invocation was sent back as a new invocation (redriveId); recorded once per invocation, on spear.evt.invocation.<id>.", InvocationRedriven),
} as const;

export type EventType = keyof typeof eventCatalog;
export type EventData<T extends EventType> = z.output<(typeof eventCatalog)[T]["schema"]>;
export type DomainEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];
export type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;
/** The events of one aggregate type: what its decider may fold and emit. */
export type AggregateEvent<A extends AggregateType> = { [T in EventType]: (typeof eventCatalog)[T]["aggregate"] extends A ? EventOf<T> : never }[EventType];

/** Whether an event belongs to the aggregate type (an event read from an aggregate's subject must). */
export const isEventOf = <A extends AggregateType>(aggregate: A, event: DomainEvent): event is AggregateEvent<A> => eventCatalog[event.type].aggregate === aggregate;

export const eventTypes = Object.keys(eventCatalog) as EventType[];

export const isEventType = (type: string): type is EventType => Object.hasOwn(eventCatalog, type);

export const currentVersion = (type: EventType): number => eventCatalog[type].version;

/** The event, when its body is of the current version and passes the type's `plain` check; otherwise undefined (decode it). */
export function plainEvent(type: string, schemaVersion: number, body: unknown): DomainEvent | undefined {
  if (!isEventType(type)) return undefined;
  const def: EventDefinition<AggregateType, z.ZodType> = eventCatalog[type];
  return schemaVersion === def.version && def.plain?.(body) ? ({ type, data: body } as DomainEvent) : undefined;
}

/**
 * Validates a stored body and lifts it to today's schema version. Old versions are
 * upcast step by step, so an event written years ago reads like one written now.
 */
export function decodeEvent(type: string, schemaVersion: number, body: unknown): DomainEvent {
  if (!isEventType(type)) throw new SpearError("unknown_event_type", `unknown event type '${type}'`, { type });
  const def: EventDefinition<AggregateType, z.ZodType> = eventCatalog[type];
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > def.version) {
    throw new SpearError("invalid_event", `${type} has no schema version ${schemaVersion} (current is ${def.version})`, {
      type,
      schemaVersion,
    });
  }
  const plain = plainEvent(type, schemaVersion, body);
  if (plain) return plain;
  let data = body;
  try {
    for (let v = schemaVersion; v < def.version; v++) {
      const up = def.upcasters[v];
      if (!up) throw new Error(`no upcaster from version ${v}`);
      data = up(data);
    }
  } catch (cause) {
    throw new SpearError("invalid_event", `${type} v${schemaVersion} could not be upcast: ${describe(cause)}`, { type }, { cause });
  }
  const parsed = def.schema.safeParse(data);
  if (!parsed.success) {
    throw new SpearError("invalid_event", `${type} body is invalid: ${z.prettifyError(parsed.error)}`, { type });
  }
  return { type, data: parsed.data } as DomainEvent;
}

/** Validates an event about to be written; returns the body to store. */
export function encodeEvent(event: DomainEvent): unknown {
  const def: EventDefinition<AggregateType, z.ZodType> = eventCatalog[event.type];
  const parsed = def.schema.safeParse(event.data);
  if (!parsed.success) {
    throw new SpearError("invalid_event", `${event.type} body is invalid: ${z.prettifyError(parsed.error)}`, {
      type: event.type,
    });
  }
  return parsed.data;
}

const describe = (e: unknown) => (e instanceof z.ZodError ? z.prettifyError(e) : e instanceof Error ? e.message : String(e));
