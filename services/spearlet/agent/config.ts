import { z } from "zod";
import { Labels, NodeId, RuntimeKind } from "../../../domain/ids.js";
import { Duration } from "../../config.js";

/** `a,b, c` or an array: a list of non-empty strings. */
const List = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === "string" ? v.split(",").map((s) => s.trim()).filter(Boolean) : v), z.array(item));

/** `k=v,k2=v2` or a record. */
const LabelList = z.preprocess((v, ctx) => {
  if (typeof v !== "string") return v;
  const out: Record<string, string> = {};
  for (const item of v.split(",").map((s) => s.trim()).filter(Boolean)) {
    const at = item.indexOf("=");
    if (at < 1) {
      ctx.addIssue({ code: "custom", message: `label '${item}' is not key=value` });
      return z.NEVER;
    }
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}, Labels);

/** Spare wasm worker threads a node keeps by default (see `wasmSpareWorkers`). */
export const DEFAULT_WASM_SPARE_WORKERS = 1;

/** `spear spearlet` settings (flags or SPEAR_* variables), validated at start-up. */
export const SpearletConfig = z
  .object({
    /** The node's name; also its id unless `nodeId` is given. */
    name: z.string().min(1).max(128),
    nodeId: NodeId.optional(),
    /** Calls the node runs at once: the slots the scheduler counts, the consumer's max in flight, the global concurrency limit. */
    slots: z.coerce.number().int().min(1).max(10_000),
    services: List(z.string().min(1).max(64)).default([]),
    languages: List(z.string().min(1).max(32)).default([]),
    labels: LabelList.default({}),
    /** Runtimes to offer; of these, only the ones available on this machine are advertised. */
    runtimes: List(RuntimeKind).pipe(z.array(RuntimeKind).min(1, "name at least one runtime")).default(["wasm", "process", "container"]),
    /** The node's own folder (binary cache, process working folders) goes under `<dataDir>/spearlet/<nodeId>`. */
    dataDir: z.string().min(1).default(".spear"),
    /** Relative programs in process functions' commands are taken from here. */
    baseDir: z.string().min(1).default(process.cwd()),
    /** Heartbeat: a status report at least this often, idle or not. */
    heartbeat: Duration.default(5_000),
    /** Instance transitions and invocation outcomes wait at most this long for their report... */
    reportFlush: Duration.default(250),
    /** ...or until this many are waiting. */
    reportMax: z.coerce.number().int().min(1).max(10_000).default(256),
    /** How long a graceful stop lets running calls finish. */
    drainTimeout: Duration.default(30_000),
    /** Added to a call's timeout when its lease is committed: time to record the result and release. */
    commitGrace: Duration.default(5_000),
    /** How long an assignment waits for its function version to reach the TaskRef cache. */
    versionWait: Duration.default(2_000),
    /**
     * The assignment consumer's ack wait; running calls send in-progress acks at a third of it.
     * Short, so a delivery the server still counts after a crash (its own or NATS's) frees its slot soon.
     */
    ackWait: Duration.default(5_000),
    /** Redelivery delay of an assignment whose lease could not be checked (Redis away or rebuilding). */
    retryDelay: Duration.default(250),
    /** The per-function adaptive concurrency limit (off: a function's latency alone refuses no call while slots are free). */
    adaptiveConcurrency: z
      .union([z.boolean(), z.enum(["true", "false"])])
      .transform((v) => v === true || v === "true")
      .default(false),
    /**
     * Confine process functions (own user, PID and network namespaces, private /tmp); off only
     * where the functions must see the host's files (some test harnesses), never to paper over a
     * missing mechanism: that is reported as it is.
     */
    isolation: z
      .union([z.boolean(), z.enum(["on", "off"])])
      .transform((v) => v === true || v === "on")
      .default(true),
    /**
     * Worker threads the wasm runtime keeps started and idle, so a cold start takes one instead
     * of booting a thread (tens of ms); each serves one instance and is replaced after use.
     */
    wasmSpareWorkers: z.coerce.number().int().min(0).max(64).default(DEFAULT_WASM_SPARE_WORKERS),
    /** CPUs a container may use. */
    containerCpus: z.coerce.number().positive().max(1024).default(1),
    dockerSocket: z.string().min(1).optional(),
  })
  .refine((c) => c.heartbeat > 0, { message: "must be more than 0", path: ["heartbeat"] })
  .refine((c) => c.reportFlush > 0, { message: "must be more than 0", path: ["reportFlush"] })
  .refine((c) => c.ackWait >= 3_000, { message: "must be at least 3s", path: ["ackWait"] })
  .refine((c) => c.nodeId !== undefined || NodeId.safeParse(c.name).success, {
    message: "is not a valid node id (letters, digits, '_' and '-'); give --node-id",
    path: ["name"],
  });
export type SpearletConfig = z.output<typeof SpearletConfig>;
export type SpearletConfigInput = z.input<typeof SpearletConfig>;

export const nodeIdOf = (c: SpearletConfig): string => c.nodeId ?? c.name;
