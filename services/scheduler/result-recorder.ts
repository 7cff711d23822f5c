import type { Msg, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { ApiError } from "../../domain/api/envelope.js";
import { isSpearError, type ErrorCode } from "../../domain/errors.js";
import { NodeId } from "../../domain/ids.js";
import { isReplySubject, lastToken, subjects } from "../../domain/subjects.js";
import { traceIdOf, type TraceHeaders } from "../../domain/trace-context.js";
import type { Nats } from "../../streams/connection.js";
import { readRecordRequest, type RecordAnswer } from "../../streams/invocations/result-record.js";
import { recordResult } from "../../streams/invocations/results.js";
import { encodeJson } from "../../streams/json.js";
import { isOutage } from "../../streams/nats-errors.js";
import { messageTrace } from "../../streams/trace-headers.js";
import type { LeaseStore } from "../leases/lease-store.js";
import { metric } from "../metrics/registry.js";
import { countResult } from "./invocation-metrics.js";

/** Every scheduler replica serves the record subjects in this queue group: one of them handles each request. */
const QUEUE = "spear-recorder";

/**
 * How long a checked lease stays live at least, so the reaper cannot retry the invocation while
 * its result is being written (a JetStream publish gives up after 5 s). A recorder that dies
 * meanwhile leaves the lease to expire after this, unless the node keeps renewing it.
 */
const HOLD_MS = 10_000;

type Answer = { readonly ok: true; readonly result: RecordAnswer } | { readonly ok: false; readonly error: ApiError };

const refuse = (code: ErrorCode, message: string): Answer => ({ ok: false, error: { code, message } });

/**
 * Records the spearlets' final results, so no spearlet needs the right to write results. A
 * node sends each result as a request on `spear.record.<nodeId>`; the node id is taken from the
 * subject only (NATS permissions let a node publish on its own record subject alone). The result
 * is recorded (and sent to the caller's reply subject) only when that node holds the live lease
 * of that attempt, checked and held in one Redis script; otherwise the node is refused with
 * `lease_not_held`, and nothing is recorded or replied.
 */
export class ResultRecorder {
  #sub?: Subscription;
  readonly #inflight = new Set<Promise<void>>();
  recorded = 0;
  refused = 0;

  constructor(
    private readonly nats: Nats,
    private readonly leases: LeaseStore,
    private readonly log: Logger,
    private readonly onLeaseStateLost: () => void,
    /** Whether the function catalog holds a function (metrics label only those). */
    private readonly knownFunction: (name: string) => boolean = () => true,
  ) {}

  start(): void {
    this.#sub = this.nats.nc.subscribe(subjects.record("*"), {
      queue: QUEUE,
      callback: (err, m) => {
        if (err) return;
        const p: Promise<void> = this.#handle(m).finally(() => this.#inflight.delete(p));
        this.#inflight.add(p);
      },
    });
  }

  /** Takes no more requests and waits for those being recorded. */
  async stop(): Promise<void> {
    this.#sub?.unsubscribe();
    await Promise.allSettled([...this.#inflight]);
  }

  async #handle(m: Msg): Promise<void> {
    const answer = await this.#record(lastToken(m.subject), m.data, messageTrace(m));
    if (!answer.ok) this.refused++;
    else if (answer.result.recorded) this.recorded++;
    metric("spear_scheduler_results_total").inc({ outcome: !answer.ok ? "refused" : answer.result.recorded ? "recorded" : "superseded" });
    if (m.reply) m.respond(encodeJson(answer));
  }

  /** Never throws: every failure is an answer with a code (an outage's code tells the node to ask again). */
  async #record(nodeId: string, bytes: Uint8Array, trace: TraceHeaders | undefined): Promise<Answer> {
    if (!NodeId.safeParse(nodeId).success) return refuse("invalid_argument", `${nodeId} in the subject is not a node id`);
    // The server bounds the size (max_payload); parsing checks only what the lease check needs.
    const read = readRecordRequest(bytes);
    if (!read.ok) return refuse("invalid_argument", `not a record request: ${read.problem}`);
    const { leaseToken, result, replyTo } = read.request;
    // Made only when something goes wrong: the hot path logs nothing.
    const log = () => this.log.child({ nodeId, invocationId: result.invocationId, attempt: result.attempts, ...(trace ? { trace_id: traceIdOf(trace) } : {}) });
    let attempt: number;
    try {
      attempt = (await this.leases.holdForResult(leaseToken, nodeId, result.invocationId, result.attempts, HOLD_MS)).attempt;
    } catch (e) {
      if (isSpearError(e, "lease_not_held")) log().info({ reason: e.message }, "a result whose lease the node does not hold was refused");
      if (isSpearError(e, "lease_state_lost")) this.onLeaseStateLost();
      return failure(e, log);
    }
    try {
      // The reply subject comes from the node: only an inbox gets the result, never a subject the scheduler's rights would let it write.
      const reply = replyTo && isReplySubject(replyTo) ? replyTo : undefined;
      const out = await recordResult(this.nats.nc, this.nats.js, { ...result, nodeId }, { replyTo: reply, writer: `a${attempt}.${nodeId}`, trace });
      if (!out.recorded) return { ok: true, result: { recorded: false } };
      if (out.fresh) countResult(out.result, this.knownFunction);
      const { status, error } = out.result;
      return { ok: true, result: { recorded: true, status, ...(error ? { errorCode: error.code } : {}) } };
    } catch (e) {
      return failure(e, log);
    }
  }
}

/** A failure as an answer: the codes of the catalog pass through; a NATS outage is one the node waits out. */
function failure(e: unknown, log: () => Logger): Answer {
  if (isSpearError(e)) return refuse(e.code, e.message);
  if (isOutage(e)) return refuse("nats_unreachable", `the result could not be recorded now: ${e instanceof Error ? e.message : String(e)}`);
  log().warn({ err: e }, "a result could not be recorded");
  return refuse("internal", `the result could not be recorded: ${e instanceof Error ? e.message : String(e)}`);
}
