import type { MarkNodeLostCommand, MarkNodeRecoveredCommand } from "./commands.js";
import { lastHeardAt, type NodeUsageView } from "./usage.js";
import type { NodeView } from "./view.js";

export interface LivenessInput {
  readonly nodes: Iterable<NodeView>;
  readonly usage: { get(nodeId: string): NodeUsageView | undefined };
  readonly now: number;
  readonly timeoutMs: number;
  /**
   * Before this moment (epoch ms) the judging replica could hear no one: it was cut off from
   * NATS, as the nodes may have been. Silence is counted from here at the earliest, so an
   * outage of NATS itself declares no node lost.
   */
  readonly heardFrom?: number;
}

/** When a node was last heard of, as far as this replica can tell (see `heardFrom`). */
const heardAt = (node: NodeView, usage: NodeUsageView | undefined, heardFrom: number | undefined): number =>
  Math.max(Date.parse(lastHeardAt(node, usage)), heardFrom ?? 0);

/**
 * Which nodes liveness must declare lost or recovered now. A node is lost when nothing was
 * heard of it (report, registration, recovery) for longer than the timeout, so a node that
 * registered but never reported is lost too; a lost node recovers when a report newer than
 * the one known at its loss arrived within the timeout. The node decider has the last word.
 */
export function livenessVerdicts(input: LivenessInput): (MarkNodeLostCommand | MarkNodeRecoveredCommand)[] {
  const out: (MarkNodeLostCommand | MarkNodeRecoveredCommand)[] = [];
  for (const node of input.nodes) {
    if (node.state === "deregistered") continue;
    const usage = input.usage.get(node.id);
    if (!node.lost) {
      if (input.now - heardAt(node, usage, input.heardFrom) > input.timeoutMs) {
        out.push({ type: "MarkNodeLost", nodeId: node.id, lastSeenAt: usage?.receivedAt ?? node.lastSeenAt, timeoutMs: input.timeoutMs });
      }
      continue;
    }
    if (!usage) continue;
    const received = Date.parse(usage.receivedAt);
    const newer = node.lastSeenAt === null || received > Date.parse(node.lastSeenAt);
    if (newer && input.now - received <= input.timeoutMs) out.push({ type: "MarkNodeRecovered", nodeId: node.id, seenAt: usage.receivedAt });
  }
  return out;
}

/** The earliest time (ms) at which a node that is alive now would be declared lost; null when none. */
export function nextLossAt(input: Omit<LivenessInput, "now">): number | null {
  let next: number | null = null;
  for (const node of input.nodes) {
    if (node.state === "deregistered" || node.lost) continue;
    const at = heardAt(node, input.usage.get(node.id), input.heardFrom) + input.timeoutMs + 1;
    if (next === null || at < next) next = at;
  }
  return next;
}

/** How far the liveness projector has read the status reports (times in epoch ms). */
export interface ReportFeed {
  /** When the last report read was stored; undefined before the first. */
  readonly lastTime?: number;
  /** Reports stored after it, not yet read. */
  readonly pending: number;
  /** When (this process's clock) the feed last delivered anything. */
  readonly foldedAt?: number;
}

/**
 * The moment silence is judged at. Caught up, it is the clock; behind the log, a node's newer
 * reports may be among those not read yet, so it is the storage time of the last report read:
 * a slow control plane declares no node lost for its own lag. A feed that says reports are
 * pending but has delivered nothing for `stallMs` is not reading them (or miscounts them):
 * then the clock again, so no loss waits forever.
 */
export function judgedAt(clock: number, feed: ReportFeed, stallMs: number): number {
  if (feed.pending === 0 || feed.lastTime === undefined || feed.foldedAt === undefined || clock - feed.foldedAt >= stallMs) return clock;
  return Math.min(clock, feed.lastTime);
}
