/**
 * One valid request for every verb of the NATS API, the starting points of mutated requests.
 * Commands name decoys (a node, function, pool and session that the fuzzed system does not
 * run), so that a mutation which stays valid cannot drain, delete or re-deploy what the run
 * itself invokes; queries may name the real ones. A unit test checks each against its schema.
 */
export interface RealNames {
  readonly functions: readonly string[];
  readonly nodes: readonly string[];
}

export const DECOY = { node: "fz-decoy-node", function: "fz-decoy-fn", pool: "fz-decoy-pool", session: "fz-decoy-session" } as const;

const SHA = "0".repeat(64);

/** Valid bodies by verb (`nodes.register`, ...); the sync invoke and the node agents' verbs are separate. */
export function apiSeeds(real: RealNames): Readonly<Record<string, unknown>> {
  const fn = real.functions[0] ?? DECOY.function;
  const node = real.nodes[0] ?? DECOY.node;
  return {
    "nodes.register": { nodeId: DECOY.node, name: "decoy", capabilities: { runtimes: ["container"], services: ["asr"], languages: ["en"], labels: { zone: "z" } }, capacity: { slots: 1 } },
    "nodes.update": { nodeId: DECOY.node, name: "decoy again" },
    "nodes.drain": { nodeId: DECOY.node, reason: "fuzz" },
    "nodes.undrain": { nodeId: DECOY.node },
    "nodes.deregister": { nodeId: DECOY.node, reason: "fuzz" },
    "nodes.get": { nodeId: node },
    "nodes.list": { limit: 10, states: ["online", "lost"] },
    "functions.deploy": { name: DECOY.function, spec: { runtime: "process", command: ["true"], limits: { timeoutMs: 1_000 } }, activate: true },
    "functions.update": { name: DECOY.function, description: "decoy", labels: { a: "b" } },
    "functions.activate": { name: DECOY.function, version: 1 },
    "functions.deactivate": { name: DECOY.function },
    "functions.delete": { name: DECOY.function },
    "functions.get": { name: fn },
    "functions.list": { limit: 5, includeDeleted: true },
    "functions.versions": { name: fn, limit: 2 },
    "functions.resolve": { name: fn, version: 1 },
    "artifacts.prepare": { sha256: SHA, size: 10 },
    "artifacts.register": { sha256: SHA, size: 10, name: "decoy.bin" },
    "artifacts.get": { sha256: SHA },
    "artifacts.list": { limit: 3 },
    "pools.list": { limit: 3 },
    "pools.get": { poolId: DECOY.pool },
    "pools.settings": {},
    "pools.index": {},
    // A pool every node belongs to: one that required a service no node offers would take every
    // function that needs no service and leave it nowhere to run (rejected no_capacity).
    "pools.apply": { pools: [{ id: DECOY.pool, name: "decoy", requiredServices: [], matchMode: "contains" }] },
    "pools.remove": { poolId: DECOY.pool },
    "sessions.bind": { sessionId: DECOY.session, poolId: DECOY.pool, langPair: { source: "en", target: "zh" } },
    "sessions.end": { sessionId: DECOY.session },
    "sessions.get": { sessionId: DECOY.session },
    "sessions.list": { limit: 3, includeEnded: true },
    "cluster.stats": {},
    "projections.status": {},
    "invocations.list": { limit: 3, status: "succeeded" },
    // Narrowed to the last minute: a story read over the streams' whole age costs a read of every request.
    "invocations.story": { invocationId: "fuzz-story-1", since: new Date(Date.now() - 60_000).toISOString() },
    "dlq.list": { limit: 3, source: "invocation" },
    // Sequences far past any dead letter: not found, never an actual redrive of what the fuzzing dead-lettered.
    "dlq.get": { seq: 1_000_000_000 },
    "dlq.redrive": { seq: 1_000_000_000 },
  };
}

/** A valid body of `spear.api.invoke.<function>` (and of the gateway's invoke route); without an id, the server names it. */
export const syncInvokeSeed = (invocationId?: string): unknown => ({ input: { hello: "fuzz" }, priority: 3, timeoutMs: 2_000, waitMs: 10_000, ...(invocationId ? { invocationId } : {}) });

/** A valid body of `spear.invoke.<function>`. */
export const invokeSeed: unknown = { input: { hello: "fuzz" }, priority: 1, timeoutMs: 2_000 };
