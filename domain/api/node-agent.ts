import { z } from "zod";
import { NodeId, RuntimeKind } from "../ids.js";
import { subjects } from "../subjects.js";
import { endpoint, type ApiEndpoint } from "./endpoint.js";

/**
 * A verb each spearlet answers for itself on `spear.api.nodes.<nodeId>.<verb>` (core NATS
 * request/reply, the same reply envelope as the control plane's verbs). Not part of the SMS's
 * registry: no SMS replica serves these subjects, the node they name does.
 */
export interface NodeAgentEndpoint<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> extends ApiEndpoint<Req, Res> {
  /** The subject of one node (`subject` holds the pattern, for the docs). */
  readonly subjectOf: (nodeId: string) => string;
}

function nodeAgentEndpoint<Req extends z.ZodType, Res extends z.ZodType>(
  verb: string,
  def: { description: string; request: Req; result: Res },
): NodeAgentEndpoint<Req, Res> {
  const base = endpoint("nodes", verb, { kind: "query", ...def, timeoutMs: 5_000 });
  return { ...base, subject: subjects.nodeApi("<nodeId>", verb), subjectOf: (nodeId) => subjects.nodeApi(nodeId, verb) };
}

/** The endpoint with one node's subject, for the typed client and the router. */
export const atNode = <E extends NodeAgentEndpoint>(e: E, nodeId: string): E => ({ ...e, subject: e.subjectOf(nodeId) });

/** What a spearlet has run since it started (the seeds' FunctionServiceStats), and what it holds now. */
export const NodeStats = z.object({
  nodeId: NodeId,
  /** Functions in the node's TaskRef cache, deleted ones left out. */
  taskCount: z.number().int().nonnegative(),
  /** The TaskRef cache's sync version: the stream sequence of the last function event it folded. */
  taskRefSeq: z.number().int().nonnegative(),
  /** Calls that reached an instance since start (succeeded + failed). */
  executionCount: z.number().int().nonnegative(),
  /** Assignments committed and not finished yet. */
  running: z.number().int().nonnegative(),
  slots: z.number().int().positive(),
  succeeded: z.number().int().nonnegative(),
  /** Calls that ended in an error of the function or its instance, timeouts included. */
  failed: z.number().int().nonnegative(),
  /** Assignments handed back for another node (admission refused, unknown version, instance start failed, draining). */
  handedBack: z.number().int().nonnegative(),
  /** Assignments not run because their lease had expired or been released. */
  fenced: z.number().int().nonnegative(),
  /** Mean time from the start of a call to its outcome, cold starts included; null before the first. */
  averageResponseMs: z.number().nonnegative().nullable(),
  artifactCount: z.number().int().nonnegative(),
  instanceCount: z.number().int().nonnegative(),
  /** The shared binaries: references held by pools, and how often an artifact was fetched and a module compiled since start. */
  binaries: z.object({
    references: z.number().int().nonnegative(),
    fetches: z.number().int().nonnegative(),
    compiles: z.number().int().nonnegative(),
    evictions: z.number().int().nonnegative(),
  }),
  uptimeMs: z.number().int().nonnegative(),
  /** Node memory in use (all processes), as in the status reports. */
  memoryMb: z.number().nonnegative(),
  memoryPercent: z.number().min(0).max(100),
  /** The spearlet process's own resident memory (instances in worker threads included, child processes not). */
  processMemoryMb: z.number().nonnegative(),
  /** Node CPU use over the last status interval. */
  cpuPercent: z.number().nonnegative(),
});
export type NodeStats = z.infer<typeof NodeStats>;

export const SpearletState = z.enum(["starting", "serving", "draining", "stopped"]);
export type SpearletState = z.infer<typeof SpearletState>;

/** A protection a runtime cannot give on this node (see docs/operations.md), and why. */
export const IsolationGap = z.object({ runtime: RuntimeKind, mechanism: z.string(), reason: z.string() });
export type IsolationGap = z.infer<typeof IsolationGap>;

export const NodeHealth = z.object({
  nodeId: NodeId,
  /** Serving, registered and able to reach Redis (its slot leases): the node takes new work. */
  healthy: z.boolean(),
  state: SpearletState,
  registered: z.boolean(),
  runtimes: z.array(RuntimeKind),
  uptimeMs: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  slots: z.number().int().positive(),
  memoryMb: z.number().nonnegative(),
  cpuPercent: z.number().nonnegative(),
  /** What the node's runtimes cannot isolate here (empty: every protection holds); logged once at start too. */
  isolationGaps: z.array(IsolationGap),
});
export type NodeHealth = z.infer<typeof NodeHealth>;

export const nodeAgentApi = {
  stats: nodeAgentEndpoint("stats", {
    description:
      "What this spearlet ran since it started and what it holds now: task count, executions (succeeded, failed), running, assignments handed back or fenced off, average response time, artifacts, instances, shared-binary use, uptime, memory and CPU in use.",
    request: z.object({}),
    result: NodeStats,
  }),
  health: nodeAgentEndpoint("health", {
    description:
      "Whether this spearlet takes new work (serving and registered), its state, runtimes, running calls, uptime, memory and CPU in use, and the isolation its runtimes cannot give on this machine.",
    request: z.object({}),
    result: NodeHealth,
  }),
};

/** The node verbs as a list (docs/api.md follows it). */
export const nodeAgentEndpoints: readonly NodeAgentEndpoint[] = Object.values(nodeAgentApi);
