import { consolePaths, type Answer, type ConsoleClient } from "./client.js";
import type { InstanceCount, LiveNews, ReportedUsage } from "./live.js";

/* What the console shows, kept between views: loaded through the client, kept current by the live stream. */

export interface ConsoleNode {
  id: string;
  name: string;
  state: string;
  drainReason?: string;
  capacity: { slots: number; cpuCores?: number; memoryMb?: number };
  capabilities: { runtimes: string[] };
  usage: { usage: ReportedUsage; instances: InstanceCount[]; draining: boolean; receivedAt: string } | null;
  lastHeardAt: string;
  pools: string[];
}

export interface ConsolePool {
  id: string;
  definition: { name?: string };
  generated: boolean;
  languages: string[] | null;
  memberCount: number;
  members: string[];
}

export interface ConsolePercentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface ConsoleStats {
  total: number;
  byStatus: Record<string, number>;
  averageMs: number | null;
  /** Each null when no result had that timing. */
  percentiles: { queueMs: ConsolePercentiles | null; runMs: ConsolePercentiles | null; totalMs: ConsolePercentiles | null };
}

export interface ConsoleFunction {
  name: string;
  activeVersion: number | null;
  latestVersion: number;
  deleted: boolean;
  versions: { version: number; spec: { runtime: string }; deployedAt: string }[];
  stats: ConsoleStats | null;
}

/** One finished invocation as a row: from the list route (a whole result) or the live stream (its summary). */
export interface InvocationRow {
  invocationId: string;
  function: string;
  version?: number;
  status: string;
  errorCode?: string;
  nodeId?: string;
  attempts: number;
  finishedAt: string;
  queueMs?: number;
  runMs?: number;
  totalMs: number;
}

export interface ProjectionRow {
  name: string;
  description: string;
  stream: string;
  checkpoint: number;
  lag: number | null;
  owner: string | null;
  ownerRenewedMsAgo: number | null;
}

export type Topic = "nodes" | "pools" | "functions" | "stats" | "results" | "deadLetters" | "projections";

/** A whole result as the routes give it (InvocationFinished). */
export interface FinishedResult {
  invocationId: string;
  function: string;
  version?: number;
  status: string;
  error?: { code: string; message: string };
  nodeId?: string;
  attempts: number;
  timings: { finishedAt: string; queueMs?: number; runMs?: number; totalMs: number };
}

export const rowOfResult = (r: FinishedResult): InvocationRow => ({
  invocationId: r.invocationId,
  function: r.function,
  ...(r.version !== undefined ? { version: r.version } : {}),
  status: r.status,
  ...(r.error ? { errorCode: r.error.code } : {}),
  ...(r.nodeId ? { nodeId: r.nodeId } : {}),
  attempts: r.attempts,
  finishedAt: r.timings.finishedAt,
  ...(r.timings.queueMs !== undefined ? { queueMs: r.timings.queueMs } : {}),
  ...(r.timings.runMs !== undefined ? { runMs: r.timings.runMs } : {}),
  totalMs: r.timings.totalMs,
});

const KEEP_RESULTS = 1_000;

export class ConsoleModel {
  nodes: Answer<ConsoleNode[]> | undefined;
  pools: Answer<ConsolePool[]> | undefined;
  functions: Answer<ConsoleFunction[]> | undefined;
  stats: Answer<{ invocationsByFunction: Record<string, ConsoleStats> }> | undefined;
  projections: Answer<{ projections: ProjectionRow[] }> | undefined;
  /** Results seen on the live stream since the page opened, newest first. */
  readonly liveResults: InvocationRow[] = [];
  /** Dead letters seen on the live stream since the page opened, newest first. */
  readonly liveDeadLetters: Extract<LiveNews, { kind: "deadLetter" }>[] = [];
  /** What the current view shows: only those are reloaded when the stream says they changed. */
  watched = new Set<Topic>();
  private readonly pending = new Map<Topic, ReturnType<typeof setTimeout>>();
  private readonly listeners = new Set<(t: Topic) => void>();

  constructor(readonly client: ConsoleClient) {}

  onChange(l: (t: Topic) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private changed(t: Topic): void {
    for (const l of this.listeners) l(t);
  }

  async load(t: Topic): Promise<void> {
    const c = this.client;
    if (t === "nodes") this.nodes = await c.all<ConsoleNode>(consolePaths.nodes);
    else if (t === "pools") this.pools = await this.loadPools();
    else if (t === "functions") this.functions = await this.loadFunctions();
    else if (t === "stats") this.stats = await c.get(consolePaths.stats);
    else if (t === "projections") this.projections = await c.get(consolePaths.projections);
    this.changed(t);
  }

  private async loadPools(): Promise<Answer<ConsolePool[]>> {
    const list = await this.client.all<Omit<ConsolePool, "members">>(consolePaths.pools);
    if (!list.ok) return list;
    const full = await Promise.all(list.data.map((p) => this.client.get<ConsolePool>(consolePaths.pool(p.id))));
    return { ok: true, data: full.map((a, i) => (a.ok ? a.data : { ...list.data[i]!, members: [] })) };
  }

  private async loadFunctions(): Promise<Answer<ConsoleFunction[]>> {
    const list = await this.client.all<{ name: string }>(consolePaths.functions);
    if (!list.ok) return list;
    const full = await Promise.all(list.data.map((f) => this.client.get<ConsoleFunction>(consolePaths.fn(f.name))));
    const failed = full.find((a) => !a.ok);
    if (failed && !failed.ok) return failed;
    return { ok: true, data: full.flatMap((a) => (a.ok ? [a.data] : [])) };
  }

  /** Reloads a watched topic soon, once however many messages asked for it meanwhile. */
  private soon(t: Topic, delayMs: number): void {
    if (!this.watched.has(t) || this.pending.has(t)) return;
    this.pending.set(
      t,
      setTimeout(() => {
        this.pending.delete(t);
        void this.load(t);
      }, delayMs),
    );
  }

  /** Reloads every watched topic: after a (re)connection of the live stream. */
  reloadWatched(): void {
    for (const t of this.watched) if (t !== "results" && t !== "deadLetters") this.soon(t, 0);
    for (const t of ["results", "deadLetters"] as const) if (this.watched.has(t)) this.changed(t);
  }

  apply(n: LiveNews): void {
    if (n.kind === "status") {
      const node = this.nodes?.ok ? this.nodes.data.find((x) => x.id === n.nodeId) : undefined;
      if (node) {
        node.usage = { usage: n.usage, instances: n.instances, draining: n.draining, receivedAt: n.time };
        node.lastHeardAt = n.time;
        this.changed("nodes");
      } else this.soon("nodes", 300);
    } else if (n.kind === "event") {
      if (n.aggregate === "node" || n.aggregate === "pool") (this.soon("nodes", 300), this.soon("pools", 300));
      if (n.aggregate === "function") this.soon("functions", 300);
      if (n.aggregate === "invocation") this.changed("deadLetters");
    } else if (n.kind === "result") {
      this.liveResults.unshift({
        invocationId: n.invocationId,
        function: n.function,
        ...(n.version !== undefined ? { version: n.version } : {}),
        status: n.status,
        ...(n.errorCode ? { errorCode: n.errorCode } : {}),
        ...(n.nodeId ? { nodeId: n.nodeId } : {}),
        attempts: n.attempts,
        finishedAt: n.finishedAt,
        ...(n.queueMs !== undefined ? { queueMs: n.queueMs } : {}),
        ...(n.runMs !== undefined ? { runMs: n.runMs } : {}),
        totalMs: n.totalMs,
      });
      this.liveResults.length = Math.min(this.liveResults.length, KEEP_RESULTS);
      this.changed("results");
      this.soon("functions", 2_000);
      this.soon("stats", 2_000);
    } else {
      this.liveDeadLetters.unshift(n);
      this.liveDeadLetters.length = Math.min(this.liveDeadLetters.length, KEEP_RESULTS);
      this.changed("deadLetters");
    }
    // Every message moves some projection along.
    this.soon("projections", 2_000);
  }
}
