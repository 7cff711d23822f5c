import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream";
import type { Subscription } from "@nats-io/transport-node";
import { api } from "../../domain/api/registry.js";
import { isSpearError } from "../../domain/errors.js";
import type { InvocationAssigned, InvocationFinished } from "../../domain/events/invocation.js";
import { subjects } from "../../domain/subjects.js";
import { LeaseStore } from "../../services/leases/lease-store.js";
import { smsRequest } from "../../services/api/client.js";
import { persist } from "../../services/spearlet/agent/persist.js";
import { sendResult } from "../../services/spearlet/agent/result-sender.js";
import { streamNames } from "../../streams/catalog.js";
import { decodeRecorded, rawOf } from "../../streams/codec.js";
import type { Nats } from "../../streams/connection.js";
import { loadRequest } from "../../streams/invocations/load-request.js";
import { requestRetry } from "../../streams/invocations/submit.js";
import { publishStatusReport } from "../../streams/status-reports.js";

export interface SimBehaviour {
  /** How long a call "runs". */
  readonly runMs?: number;
  /** Fail every call with a retryable error (the next attempt goes elsewhere). */
  readonly failRetryably?: boolean;
  /** Take assignments but never finish them (a node that hangs or died). */
  readonly hang?: boolean;
  /** Report as alive but never consume assignments (a stuck agent). */
  readonly noPickup?: boolean;
  /** Refuse this many calls as saturated before taking any (a refusal costs no attempt). */
  readonly refuseTimes?: number;
}

/**
 * A stand-in for a spearlet in scheduler tests: it registers, reports status, consumes its
 * assignments and follows the lease contract (commit, run, record, release) without running
 * any code; results go to the schedulers' recorder, as a spearlet's do. It counts what it saw,
 * including how many calls ran at once.
 */
export class SimSpearlet {
  readonly assignments: InvocationAssigned[] = [];
  readonly finished: string[] = [];
  running = 0;
  maxRunning = 0;
  refused = 0;
  private stopped = false;
  private reportTimer?: NodeJS.Timeout;
  private reportSeq = 0;
  private stopConsumer?: () => void;
  private presence?: Subscription;
  private leases: LeaseStore;

  constructor(
    private readonly nats: Nats,
    redisUrl: string,
    readonly nodeId: string,
    readonly slots: number,
    public behaviour: SimBehaviour = {},
  ) {
    this.leases = new LeaseStore({ url: redisUrl, name: `sim-${nodeId}` });
  }

  async start(opts: { heartbeatMs?: number; services?: string[]; languages?: string[] } = {}): Promise<this> {
    // Its "process" lives until it crashes: schedulers probe this to tell a dead node from a slow
    // one, from the moment it is registered (a probe before would find it gone and keep calls off it).
    this.presence = this.nats.nc.subscribe(subjects.presence(this.nodeId), { callback: (_err, m) => void m.respond() });
    await this.nats.nc.flush();
    await smsRequest(this.nats.nc, api.nodes.register, {
      nodeId: this.nodeId,
      name: this.nodeId,
      capabilities: { runtimes: ["wasm", "process"], services: opts.services ?? [], languages: opts.languages ?? [], labels: {} },
      capacity: { slots: this.slots },
    });
    await this.report();
    this.reportTimer = setInterval(() => void this.report(), opts.heartbeatMs ?? 200);
    if (this.behaviour.noPickup) return this;
    const durable = `sim_${this.nodeId}`;
    await this.nats.jsm.consumers.add(streamNames.assign, {
      durable_name: durable,
      filter_subject: subjects.assign(this.nodeId),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: this.slots,
    });
    const consumer = await this.nats.js.consumers.get(streamNames.assign, durable);
    const messages = await consumer.consume({ max_messages: this.slots });
    this.stopConsumer = () => messages.stop();
    void (async () => {
      for await (const m of messages) {
        const e = decodeRecorded(rawOf(m), streamNames.assign);
        if (e.type !== "InvocationAssigned") continue;
        // A call that fails halfway (Redis or NATS going away) is left to its lease, as on a real node.
        void this.handle(e.data, e.meta.occurredAt)
          .catch(() => undefined)
          .finally(() => m.ack());
      }
    })();
    return this;
  }

  /** Stops everything at once, like kill -9: no report, no release, no ack. */
  async crash(): Promise<void> {
    this.stopped = true;
    clearInterval(this.reportTimer);
    this.presence?.unsubscribe();
    this.stopConsumer?.();
    await this.leases.close();
  }

  private async report(): Promise<void> {
    if (this.stopped) return;
    await publishStatusReport(this.nats.js, this.nodeId, {
      reportSeq: this.reportSeq++,
      at: new Date().toISOString(),
      usage: { cpuPercent: 1, memoryMb: 10, memoryPercent: 1, load1: 0, running: this.running, slots: this.slots },
      instances: [],
      transitions: [],
      outcomes: [],
      draining: false,
    }).catch(() => undefined);
  }

  private async handle(a: InvocationAssigned, assignedAt: string): Promise<void> {
    this.assignments.push(a);
    if (Date.parse(a.deadline) < Date.now()) return;
    try {
      await this.leases.commit(a.leaseToken, a.timeoutMs + 5_000);
    } catch (e) {
      if (isSpearError(e, "lease_expired") || isSpearError(e, "lease_not_found")) return;
      throw e;
    }
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    const startedAt = new Date();
    try {
      await new Promise((r) => setTimeout(r, this.behaviour.runMs ?? 20));
      if (this.behaviour.hang || this.stopped) return new Promise(() => undefined);
      const refuse = this.refused < (this.behaviour.refuseTimes ?? 0);
      if (this.behaviour.failRetryably || refuse) {
        const loaded = await loadRequest(this.nats.jsm, a.requestSeq);
        if (refuse) this.refused++;
        const [reason, cause] = refuse
          ? [{ code: "saturated", message: "simulated" }, { refusal: true }]
          : [{ code: "instance_crashed", message: "simulated" }, { excludeNode: this.nodeId }];
        if (loaded?.ok) await requestRetry(this.nats.js, loaded.request, reason, cause);
        await this.leases.release(a.leaseToken);
        return;
      }
      const finishedAt = new Date();
      const result: InvocationFinished = {
        invocationId: a.invocationId,
        function: a.function,
        version: a.version,
        status: "succeeded",
        output: { echo: a.input, nodeId: this.nodeId, attempt: a.attempt },
        nodeId: this.nodeId,
        attempts: a.attempt,
        timings: {
          submittedAt: a.submittedAt,
          assignedAt,
          startedAt: startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
          runMs: finishedAt.getTime() - startedAt.getTime(),
          totalMs: finishedAt.getTime() - Date.parse(a.submittedAt),
        },
      };
      // A crashed node stops asking the recorder, as a dead process would.
      const outcome = await persist(() =>
        this.stopped ? Promise.reject(new Error(`${this.nodeId} crashed`)) : sendResult(this.nats.nc, this.nodeId, { leaseToken: a.leaseToken, result, replyTo: a.replyTo }),
      );
      if (outcome.recorded) this.finished.push(a.invocationId);
      await this.leases.release(a.leaseToken);
    } finally {
      this.running--;
    }
  }
}
