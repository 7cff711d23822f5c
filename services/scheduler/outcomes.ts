import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { InvocationError, InvocationFinished } from "../../domain/events/invocation.js";
import { traceIdOf, type TraceHeaders } from "../../domain/trace-context.js";
import { deadLetter } from "../../streams/dead-letter.js";
import { recordResult } from "../../streams/invocations/results.js";
import type { StoredRequest } from "../../streams/invocations/request.js";
import { codeLabel, metric } from "../metrics/registry.js";
import { countResult } from "./invocation-metrics.js";

export interface Unplaced {
  readonly invocationId: string;
  readonly function: string;
  readonly replyTo?: string | undefined;
  readonly submittedAt: string;
  readonly version?: number | undefined;
  /** The caller's trace: the result carries it too. */
  readonly trace?: TraceHeaders | undefined;
}

/**
 * The results the scheduler itself gives: `rejected` (bad request, unknown function, no
 * capacity in time) and `dead_lettered` (out of attempts). Each is the invocation's one final
 * result, recorded with the scheduler process as writer.
 */
export class SchedulerOutcomes {
  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly writer: string,
    private readonly log: Logger,
    /** Whether the function catalog holds a function (metrics label only those). */
    private readonly knownFunction: (name: string) => boolean,
  ) {}

  async reject(u: Unplaced, error: InvocationError, attempts: number): Promise<void> {
    await this.finish(u, "rejected", error, attempts);
    metric("spear_scheduler_rejections_total").inc({ code: codeLabel(error.code) });
    this.log.info({ invocationId: u.invocationId, function: u.function, code: error.code, ...traceOf(u) }, "invocation rejected");
  }

  /** Keeps the request in the dead-letter stream, then records the `dead_lettered` result. */
  async deadLetter(u: Unplaced, original: StoredRequest & { stream: string }, reason: InvocationError, attempts: number): Promise<void> {
    await deadLetter(this.js, { source: "invocation", key: u.function, reason, original });
    await this.finish(u, "dead_lettered", reason, attempts);
    metric("spear_scheduler_dead_letters_total").inc({ code: codeLabel(reason.code) });
    this.log.warn({ invocationId: u.invocationId, function: u.function, code: reason.code, attempts, ...traceOf(u) }, "invocation dead-lettered");
  }

  private async finish(u: Unplaced, status: "rejected" | "dead_lettered", error: InvocationError, attempts: number): Promise<void> {
    const finishedAt = new Date();
    const result: InvocationFinished = {
      invocationId: u.invocationId,
      function: u.function,
      ...(u.version !== undefined ? { version: u.version } : {}),
      status,
      error,
      attempts,
      timings: {
        submittedAt: u.submittedAt,
        finishedAt: finishedAt.toISOString(),
        totalMs: Math.max(0, finishedAt.getTime() - Date.parse(u.submittedAt)),
      },
    };
    const out = await recordResult(this.nc, this.js, result, { replyTo: u.replyTo, writer: this.writer, trace: u.trace });
    if (out.recorded && out.fresh) countResult(out.result, this.knownFunction);
  }
}

const traceOf = (u: Unplaced) => (u.trace ? { trace_id: traceIdOf(u.trace) } : undefined);
