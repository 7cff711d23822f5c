import { errors, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { subjects } from "../../domain/subjects.js";
import { inboxRequest } from "../../streams/inbox-request.js";
import type { Reconnects } from "../../streams/reconnects.js";
import type { LeaseStore } from "../leases/lease-store.js";

/** How long a node's process may take to answer a probe. */
const PROBE_TIMEOUT_MS = 1_000;
/** A node is probed at most this often. */
const PROBE_EVERY_MS = 50;
/** Probes a sweep sends per second at most: a small fleet is probed every 50 ms, a large one in turn. */
const PROBES_PER_SECOND = 200;
/**
 * After this scheduler reconnects (nats-server restarted, say), spearlets are reconnecting too:
 * for this long a missing presence subscription means nothing. Spearlets retry every 500 ms
 * (plus jitter), so 2 s leaves room for a slow reconnect and resubscription.
 */
export const RECONNECT_GRACE_MS = 2_000;

/**
 * Tells a node that stopped picking up its work from one that is only slow. A spearlet's
 * process holds its presence subscription (`spear.presence.<nodeId>`) for as long as it lives, and the NATS server drops it the
 * moment the process dies, so a request there gets "no responders" at once. Then the node's leases
 * (its reserved and its running calls) are expired now, for the reaper to retry them elsewhere,
 * rather than when their TTLs run out; a process of that node started again finds them fenced.
 * Nodes are probed when a reservation finds them stalled, and in turn by a sweep (at most every
 * 50 ms each, 200 probes a second in all), which finds
 * a node that died with calls running even when no new call is placed there. Right after this
 * scheduler reconnects, no node is judged for `RECONNECT_GRACE_MS`: the others are reconnecting too.
 */
export class NodePresence {
  private readonly probed = new Map<string, number>();
  /** Nodes whose last probe found no process: no call is placed there until one answers again. */
  private readonly gone = new Set<string>();
  private timer?: NodeJS.Timeout;
  private turn = 0;
  private reconnectedAt = 0;
  private readonly stopWatching: () => void;

  constructor(
    private readonly nc: NatsConnection,
    reconnects: Reconnects,
    private readonly leases: LeaseStore,
    private readonly log: Logger,
    /** Called when a gone node's leases were expired (the reaper can retry them now rather than at its next round). */
    private readonly onExpired: () => void = () => undefined,
  ) {
    this.stopWatching = reconnects.each(() => (this.reconnectedAt = Date.now()));
  }

  /** Whether the node's process was found gone (and has not answered since). */
  isGone(nodeId: string): boolean {
    return this.gone.has(nodeId);
  }

  /** Probe the node (at most every 50 ms) and give its work away if its process is gone. */
  suspect(nodeId: string): void {
    const now = Date.now();
    if ((this.probed.get(nodeId) ?? 0) + PROBE_EVERY_MS > now) return;
    this.probed.set(nodeId, now);
    void this.probe(nodeId);
  }

  /** Every 50 ms, probes the next few of the nodes `nodes` lists. */
  start(nodes: () => readonly string[]): void {
    const batch = Math.max(1, Math.floor((PROBES_PER_SECOND * PROBE_EVERY_MS) / 1000));
    this.timer = setInterval(() => {
      const all = nodes();
      for (let i = 0; i < Math.min(batch, all.length); i++) this.suspect(all[this.turn++ % all.length]!);
    }, PROBE_EVERY_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.stopWatching();
  }

  private async probe(nodeId: string): Promise<void> {
    try {
      await inboxRequest(this.nc, subjects.presence(nodeId), undefined, { timeoutMs: PROBE_TIMEOUT_MS });
      this.gone.delete(nodeId);
    } catch (e) {
      if (!isNoResponders(e) || Date.now() - this.reconnectedAt < RECONNECT_GRACE_MS) return;
      this.gone.add(nodeId);
      try {
        const expired = await this.leases.expireNode(nodeId);
        if (expired > 0) {
          this.log.info({ nodeId, leases: expired }, "node's process is gone: its leases expired for retry elsewhere");
          this.onExpired();
        }
      } catch (again) {
        this.log.debug({ err: again, nodeId }, "could not expire the leases of a node whose process is gone");
      }
    }
  }
}

const isNoResponders = (e: unknown): boolean =>
  e instanceof errors.NoRespondersError || (e instanceof errors.RequestError && e.isNoResponders());
