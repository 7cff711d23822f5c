import { api } from "../../domain/api/registry.js";
import { ARTIFACT_BUCKET } from "../../domain/api/artifacts.js";
import { PAYLOAD_BUCKET } from "../../domain/payloads.js";
import { subjects } from "../../domain/subjects.js";
import { consumerName } from "../../projections/read-model.js";
import { projectionRegistry } from "../../projections/registry.js";
import { SNAPSHOT_BUCKET } from "../../projections/snapshots.js";
import { streamNames } from "../../streams/catalog.js";

/**
 * Who may do what on NATS, enforced by nats-server: each process connects with the identity of
 * its role, and the server refuses whatever the role does not allow. docs/operations.md shows
 * this table; auth-config.ts turns it into the server's `authorization` block.
 */
export const roles = ["admin", "control-plane", "scheduler", "spearlet", "projections", "gateway", "client"] as const;
export type Role = (typeof roles)[number];

export interface SubjectPermissions {
  readonly publish: { readonly allow: readonly string[]; readonly deny?: readonly string[] };
  readonly subscribe: { readonly allow: readonly string[] };
}

/**
 * Replies travel to inboxes. A role that answers requests may publish to `_INBOX.>` rather than
 * having nats-server's `allow_responses`: with it, the server keeps every message it delivers
 * with a reply subject (each JetStream delivery has one) for two minutes and, past 4,096 of them,
 * scans them all at each delivery. A read of 10,000 assignments on one connection then took
 * 0.8 s, 2.7 s and 5.6 s on three reads in a row; without it 0.17 s, 0.12 s and 0.05 s.
 */
const inbox = "_INBOX.>";

/**
 * Reading any stream or bucket (consumers, direct gets, acks): for the services inside the
 * cluster, which read most streams; they never create, change, purge or delete one.
 */
const readAnything = [
  "$JS.API.INFO",
  "$JS.API.STREAM.NAMES",
  "$JS.API.STREAM.LIST",
  "$JS.API.STREAM.INFO.*",
  "$JS.API.STREAM.MSG.GET.*",
  "$JS.API.DIRECT.GET.>",
  "$JS.API.CONSUMER.>",
  "$JS.ACK.>",
  "$JS.FC.>",
];

/** Reading one stream with consumers of any name, for the roles that may read only that stream. */
const readStream = (stream: string): string[] => [
  `$JS.API.STREAM.INFO.${stream}`,
  `$JS.API.DIRECT.GET.${stream}`,
  `$JS.API.DIRECT.GET.${stream}.>`,
  `$JS.API.STREAM.MSG.GET.${stream}`,
  `$JS.API.CONSUMER.CREATE.${stream}`,
  `$JS.API.CONSUMER.CREATE.${stream}.>`,
  `$JS.API.CONSUMER.INFO.${stream}.*`,
  `$JS.API.CONSUMER.DELETE.${stream}.*`,
  `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
  `$JS.ACK.${stream}.>`,
  `$JS.FC.${stream}.>`,
];

/**
 * The projection workers' durable consumers on the events stream: a role that may read the
 * stream with consumers of its own must not pull from (and acknowledge away) theirs.
 */
const projectionDurables = (): string[] =>
  projectionRegistry.flatMap((p) => [
    `$JS.API.CONSUMER.MSG.NEXT.${p.stream}.${consumerName(p)}`,
    `$JS.API.CONSUMER.DELETE.${p.stream}.${consumerName(p)}`,
    `$JS.ACK.${p.stream}.${consumerName(p)}.>`,
  ]);

/** Putting objects into a bucket (chunks and metadata), and reading them back. */
const objectPuts = (bucket: string): string[] => [...readStream(`OBJ_${bucket}`), `$O.${bucket}.>`];

const allVerbs = (): string[] => Object.values(api).flatMap((area) => Object.values(area).map((e) => e.subject));
const queryVerbs = (): string[] =>
  Object.values(api).flatMap((area) =>
    Object.values(area)
      .filter((e) => e.kind === "query" && !e.operatorsOnly)
      .map((e) => e.subject),
  );

/** Whether the streams exist (every service checks at start; `spear streams apply` creates them). */
const streamInfo = "$JS.API.STREAM.INFO.*";

/** A result read by its invocation id: the id is in the subject, so knowing the id is the capability. */
const resultById = [`$JS.API.DIRECT.GET.${streamNames.results}.${subjects.result("*")}`];

/** What `role` may publish and subscribe to; a spearlet's identity is bound to its node id. */
export function permissionsOf(role: Role, nodeId?: string): SubjectPermissions {
  switch (role) {
    case "admin":
      return { publish: { allow: [">"] }, subscribe: { allow: [">"] } };
    case "control-plane":
      return {
        publish: {
          allow: [
            ...readAnything,
            `$O.${ARTIFACT_BUCKET}.>`,
            `$JS.API.STREAM.PURGE.OBJ_${ARTIFACT_BUCKET}`,
            `$O.${PAYLOAD_BUCKET}.>`,
            subjects.allEvents,
            subjects.invoke("*"),
            subjects.allDlq,
            subjects.nodeApi("*", "*"),
            // the answers to its verbs
            inbox,
          ],
        },
        subscribe: { allow: [inbox, "spear.api.>"] },
      };
    case "scheduler":
      return {
        publish: {
          allow: [
            ...readAnything,
            `$O.${PAYLOAD_BUCKET}.>`,
            subjects.assign("*"),
            subjects.result("*"),
            subjects.retry("*"),
            subjects.allDlq,
            subjects.presence("*"),
            subjects.eventsOf("session"),
            ...allVerbs(),
            // Final results go to the callers' reply subjects, which must be inboxes; so do the answers to spearlets' records.
            inbox,
          ],
        },
        // Results as they are stored: a later request for an invocation still running waits for
        // its result. Freed slots, so a waiting request takes one at once.
        subscribe: { allow: [inbox, subjects.record("*"), subjects.result("*"), subjects.capacity("*")] },
      };
    case "spearlet": {
      if (!nodeId) throw new Error("a spearlet's permissions name its node");
      const consumer = `spearlet_${nodeId}`;
      const assign = streamNames.assign;
      return {
        publish: {
          allow: [
            "$JS.API.INFO",
            streamInfo,
            `$JS.API.CONSUMER.CREATE.${assign}.${consumer}.>`,
            `$JS.API.CONSUMER.DURABLE.CREATE.${assign}.${consumer}`,
            `$JS.API.CONSUMER.INFO.${assign}.${consumer}`,
            `$JS.API.CONSUMER.DELETE.${assign}.${consumer}`,
            `$JS.API.CONSUMER.MSG.NEXT.${assign}.${consumer}`,
            `$JS.ACK.${assign}.${consumer}.>`,
            `$JS.API.DIRECT.GET.${assign}.${subjects.assign(nodeId)}`,
            ...readStream(streamNames.events),
            `$JS.API.DIRECT.GET.${streamNames.results}`,
            // a result looked up by its subject (a replayed assignment whose result may be recorded already)
            `$JS.API.DIRECT.GET.${streamNames.results}.${subjects.result("*")}`,
            // the original request, read back by its sequence to hand an attempt back (through the
            // stream's message API: a client writes the request's headers, streams/stored-message.ts)
            `$JS.API.STREAM.MSG.GET.${streamNames.invoke}`,
            ...readStream(`OBJ_${ARTIFACT_BUCKET}`),
            // the function catalog's snapshot, to start the TaskRef cache from
            ...readStream(`OBJ_${SNAPSHOT_BUCKET}`),
            ...objectPuts(PAYLOAD_BUCKET),
            subjects.status(nodeId),
            subjects.record(nodeId),
            subjects.capacity(nodeId),
            // the answers to its stats, health and presence probes, and a recorded result sent
            // again to the caller after a restart (replayed assignments)
            inbox,
            subjects.retry("*"),
            subjects.dlq("assign", nodeId),
            api.nodes.register.subject,
            api.nodes.drain.subject,
            api.nodes.undrain.subject,
          ],
          deny: projectionDurables(),
        },
        subscribe: { allow: [inbox, subjects.nodeApi(nodeId, "*"), subjects.presence(nodeId)] },
      };
    }
    case "projections":
      return {
        // The read models, and the snapshots: a new one replaces the object, purging the old chunks.
        publish: { allow: [...readAnything, "$KV.>", `$O.${SNAPSHOT_BUCKET}.>`, `$JS.API.STREAM.PURGE.OBJ_${SNAPSHOT_BUCKET}`] },
        subscribe: { allow: [inbox] },
      };
    case "gateway":
      return {
        publish: {
          allow: [
            "$JS.API.INFO",
            streamInfo,
            ...allVerbs(),
            subjects.api("invoke", "*"),
            subjects.nodeApi("*", "*"),
            subjects.invoke("*"),
            ...resultById,
            ...readStream(streamNames.events),
            // the live feed of the console follows node reports and dead letters too (results come by subscription, below)
            ...readStream(streamNames.status),
            ...readStream(streamNames.dlq),
            ...objectPuts(ARTIFACT_BUCKET),
            ...objectPuts(PAYLOAD_BUCKET),
          ],
          deny: projectionDurables(),
        },
        // Results as they are stored, for the server-sent event streams (the watches and the console's live feed).
        subscribe: { allow: [inbox, subjects.result("*")] },
      };
    case "client":
      return {
        publish: {
          allow: [
            "$JS.API.INFO",
            subjects.invoke("*"),
            subjects.api("invoke", "*"),
            ...queryVerbs(),
            ...resultById,
            ...objectPuts(PAYLOAD_BUCKET),
          ],
        },
        subscribe: { allow: [inbox] },
      };
  }
}
