import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { ArtifactView } from "../../domain/artifact/view.js";
import { SpearError } from "../../domain/errors.js";
import type { FunctionView } from "../../domain/function/view.js";
import type { NodeUsageView } from "../../domain/node/usage.js";
import type { NodeView } from "../../domain/node/view.js";
import type { PoolIndexDoc } from "../../domain/pool/index-docs.js";
import type { SessionView } from "../../domain/session/view.js";
import { artifactCatalog } from "../../projections/definitions/artifact-catalog.js";
import { functionCatalog } from "../../projections/definitions/function-catalog.js";
import { invocationStats, type InvocationStatsDoc } from "../../projections/definitions/invocation-stats.js";
import { nodeRegistry } from "../../projections/definitions/node-registry.js";
import { nodeUsage } from "../../projections/definitions/node-usage.js";
import { poolIndex } from "../../projections/definitions/pool-index.js";
import { sessionTable } from "../../projections/definitions/session-table.js";
import { MemoryHost } from "../../projections/memory-host.js";
import type { AnyProjection } from "../../projections/projection.js";
import { lastMatchingSeq } from "../../streams/reader.js";

/** Whether a subject filter (with `*` and `>`) covers a concrete subject. */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split(".");
  const s = subject.split(".");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === ">") return s.length > i;
    if (i >= s.length || (f[i] !== "*" && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
}

/**
 * The SMS answers queries from in-memory hosts of the same projections the workers run,
 * so a replica needs no KV read model and answers from one consistent state per model.
 */
export class ReadModels {
  readonly nodes: MemoryHost<NodeView>;
  readonly usage: MemoryHost<NodeUsageView>;
  readonly functions: MemoryHost<FunctionView>;
  readonly artifacts: MemoryHost<ArtifactView>;
  readonly pools: MemoryHost<PoolIndexDoc>;
  readonly sessions: MemoryHost<SessionView>;
  readonly invocations: MemoryHost<InvocationStatsDoc>;
  private readonly all: MemoryHost<unknown>[];

  constructor(
    js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    log: Logger,
    private readonly settleTimeoutMs: number,
    snapshots = false,
  ) {
    const host = <D>(p: AnyProjection) => new MemoryHost<D>(js, p, log.child({ projection: p.name }), { snapshots });
    this.nodes = host(nodeRegistry);
    this.usage = host(nodeUsage);
    this.functions = host(functionCatalog);
    this.artifacts = host(artifactCatalog);
    this.pools = host(poolIndex);
    this.sessions = host(sessionTable);
    this.invocations = host(invocationStats);
    this.all = [this.nodes, this.usage, this.functions, this.artifacts, this.pools, this.sessions, this.invocations] as MemoryHost<unknown>[];
  }

  /** Resolves once every model holds what its stream had at start. */
  async start(): Promise<void> {
    await Promise.all(this.all.map((h) => h.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((h) => h.stop()));
  }

  /**
   * After a command: waits (bounded) until every model that reads the event's subject has
   * folded it, so a list right after a register shows the node. Returns whether it did.
   */
  async settle(subject: string, seq: number): Promise<boolean> {
    const hosts = this.all.filter((h) => subjectMatches(h.projection.subject, subject));
    const done = await Promise.all(hosts.map((h) => h.reached(seq, this.settleTimeoutMs)));
    return done.every(Boolean);
  }

  /** Waits until the model has folded everything its subject holds now: for decisions that must not act on a lagging replica. */
  caughtUp<D>(host: MemoryHost<D>): Promise<void> {
    return this.readAfter(host, Number.MAX_SAFE_INTEGER);
  }

  /**
   * Before a query with `minSeq`: waits until the model has folded every event of its
   * subject up to that stream sequence. Refuses with `timeout` when it cannot in time.
   */
  async readAfter<D>(host: MemoryHost<D>, minSeq: number | undefined): Promise<void> {
    if (minSeq === undefined || host.lastSeq >= minSeq) return;
    const { seq: last } = await lastMatchingSeq(this.jsm, host.projection.stream, host.projection.subject);
    const target = Math.min(last, minSeq);
    if (await host.reached(target, this.settleTimeoutMs)) return;
    throw new SpearError("timeout", `the ${host.projection.name} read model has not reached sequence ${target} yet (at ${host.lastSeq})`, {
      projection: host.projection.name,
      minSeq,
      at: host.lastSeq,
    });
  }
}
