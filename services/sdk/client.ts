import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import type { DeadLetterEntry, RedriveRequest } from "../../domain/api/dlq.js";
import type { RequestOf, ResultOf } from "../../domain/api/endpoint.js";
import type { NodeEntry } from "../../domain/api/nodes.js";
import { api } from "../../domain/api/registry.js";
import type { ArtifactView } from "../../domain/artifact/view.js";
import { SpearError } from "../../domain/errors.js";
import { InvokeRequest, type InvocationFinished, type InvocationStatus } from "../../domain/events/invocation.js";
import type { z } from "zod";
import type { FunctionSummary, FunctionView } from "../../domain/function/view.js";
import { FunctionName, InvocationId } from "../../domain/ids.js";
import { MAX_JSON_DEPTH, valueDepth } from "../../domain/json-limits.js";
import type { NodeState } from "../../domain/node/view.js";
import type { TraceHeaders } from "../../domain/trace-context.js";
import { connectNats, type Nats } from "../../streams/connection.js";
import { awaitResult, cancelledWait } from "../../streams/invocations/await-result.js";
import { invokeAndWait } from "../../streams/invocations/invoke-and-wait.js";
import { listResults, type ResultList } from "../../streams/invocations/list-results.js";
import { getResult } from "../../streams/invocations/results.js";
import { submitInvocation } from "../../streams/invocations/submit.js";
import { Payloads } from "../../streams/invocations/payloads.js";
import { watchInvocation } from "../../streams/invocations/watch.js";
import type { ReplayRecord } from "../../streams/replay.js";
import { allPages } from "../api/all-pages.js";
import { smsRequest } from "../api/client.js";
import { runtimeOf, specOf, uploadSource, type DeployDefinition } from "./deploy.js";
import { asSpearError, InvocationFailedError, validated } from "./errors.js";
import { beginInvoke, endInvoke } from "./invoke-span.js";

export interface ConnectOptions {
  /** `nats://host:port`, comma-separated for a cluster. */
  readonly url: string;
  /** The connection's name, as the NATS server lists it. */
  readonly name?: string;
  /** A NATS credentials file. */
  readonly creds?: string;
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  /** Reconnect for ever after a lost connection (default true); false fails calls at once instead. */
  readonly reconnect?: boolean;
  /** How long connecting may take (default 5 s). */
  readonly connectTimeoutMs?: number;
}

/** Every call that waits takes these: how long it waits at most, and a signal to stop waiting. */
export interface WaitOptions {
  readonly waitMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * How an invocation is asked for: the request's own fields with the names and meanings the wire
 * gives them (`InvokeRequest`: `timeoutMs` lowers the function's per-call run limit), its id and
 * the correlation id carried into the events it causes.
 */
export type SubmitOptions = Readonly<Omit<z.input<typeof InvokeRequest>, "input" | "inputRef">> & {
  /** Client-chosen id: submitting the same id again (within the stream's duplicate window, 2 min) is the same invocation. */
  readonly invocationId?: string;
  readonly correlationId?: string;
  /**
   * The W3C trace the request joins (`traceparent`, `tracestate`), carried through placement, the
   * run and the result; a malformed one is ignored. Without it the SDK continues the active
   * OpenTelemetry span with an `invoke` span of its own when the application registered a tracing SDK.
   */
  readonly traceContext?: TraceHeaders;
};

export type InvokeOptions = SubmitOptions & WaitOptions;

/** One event of an invocation, as `spear replay --invocation` prints it; the last is the final result. */
export type InvocationEvent = ReplayRecord;

export interface WatchOptions extends WaitOptions {
  /** The invocation was submitted after this time: narrows the read of the request stream (otherwise read over its max age). */
  readonly since?: Date;
}

export interface DeployResult {
  readonly function: FunctionView;
  readonly version: number;
  /** False when the spec equalled the latest version and no version was added. */
  readonly created: boolean;
  readonly seq: number;
  /** The artifact, when the deployment had one. */
  readonly artifact?: ArtifactView;
  /** Whether bytes were sent (false when the store had them already). */
  readonly uploaded: boolean;
}

export interface InvocationQuery {
  readonly function?: string;
  readonly status?: InvocationStatus;
  /** Default 20. */
  readonly limit?: number;
}

/** How long `invoke` waits for the final result unless `waitMs` says otherwise. */
export const DEFAULT_WAIT_MS = 60_000;

/**
 * A client of a Spear cluster over NATS: invoke functions and follow invocations, deploy,
 * list nodes and functions. Every failure is a `SpearError` with a stable code; an invocation
 * that ends in any status but `succeeded` is an `InvocationFailedError` carrying the result.
 */
export class SpearClient {
  private readonly payloads: Payloads;

  private constructor(
    private readonly nats: Nats,
    private readonly ownsConnection: boolean,
  ) {
    this.payloads = new Payloads(nats.js);
  }

  /** Connects to NATS; `close()` closes the connection. */
  static async connect(o: ConnectOptions): Promise<SpearClient> {
    const nats = await connectNats({
      url: o.url,
      name: o.name ?? "spear-sdk",
      creds: o.creds,
      user: o.user,
      password: o.password,
      token: o.token,
      longLived: o.reconnect ?? true,
      ...(o.connectTimeoutMs ? { timeoutMs: o.connectTimeoutMs } : {}),
    });
    return new SpearClient(nats, true);
  }

  /** Uses a connection the caller owns: `close()` leaves it open. */
  static async fromConnection(nc: NatsConnection): Promise<SpearClient> {
    let jsm;
    try {
      jsm = await jetstreamManager(nc);
    } catch (e) {
      throw new SpearError("nats_unreachable", `the NATS connection has no JetStream: ${e instanceof Error ? e.message : String(e)}`, undefined, { cause: e });
    }
    return new SpearClient({ nc, js: jetstream(nc), jsm }, false);
  }

  /** The NATS connection underneath. */
  get connection(): NatsConnection {
    return this.nats.nc;
  }

  /**
   * Invokes a function and waits for its final result: resolves with the output when it
   * succeeded, throws `InvocationFailedError` (code from the result, `result` attached) for
   * any other status, `timeout` when no result came within `waitMs` (default 60 s) and
   * `cancelled` when the signal fired. The invocation goes on when the wait ends: its id is
   * in the error's details, for `result()` later.
   */
  async invoke<T = unknown>(fn: string, input: unknown, o: InvokeOptions = {}): Promise<T> {
    const result = await this.invokeForResult(fn, input, o);
    if (result.status !== "succeeded") throw new InvocationFailedError(result);
    return result.output as T;
  }

  /** Like `invoke`, but resolves with the whole final result whatever its status (timings, node, attempts, error). */
  async invokeForResult(fn: string, input: unknown, o: InvokeOptions = {}): Promise<InvocationFinished> {
    const { invocationId, body } = await this.request(fn, input, o);
    const traced = beginInvoke(fn, invocationId, o.traceContext);
    try {
      const result = await invokeAndWait(this.nats, fn, body, {
        invocationId,
        waitMs: o.waitMs ?? DEFAULT_WAIT_MS,
        trace: traced?.headers,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.correlationId ? { correlationId: o.correlationId } : {}),
      });
      endInvoke(traced, { result });
      return await this.payloads.resolveOutput(result);
    } catch (e) {
      endInvoke(traced, { error: e });
      throw asSpearError(e, `invoking ${fn}`);
    }
  }

  /** Puts an invocation into the durable request stream and resolves with its id once stored; does not wait for it to run. */
  async submit(fn: string, input: unknown, o: SubmitOptions = {}): Promise<string> {
    const { invocationId, body } = await this.request(fn, input, o);
    const traced = beginInvoke(fn, invocationId, o.traceContext);
    try {
      await submitInvocation(this.nats.js, fn, body, { invocationId, trace: traced?.headers, ...(o.correlationId ? { correlationId: o.correlationId } : {}) });
      endInvoke(traced, { stored: true });
    } catch (e) {
      endInvoke(traced, { error: e });
      throw asSpearError(e, `submitting to ${fn}`);
    }
    return invocationId;
  }

  /**
   * The final result of an invocation, whatever its status; undefined while it runs (or when
   * the id is unknown, or older than the result TTL). With `waitMs`, waits up to that long
   * for it to arrive.
   */
  async result(invocationId: string, o: WaitOptions = {}): Promise<InvocationFinished | undefined> {
    validated(InvocationId, invocationId, "invocation id");
    try {
      if (o.signal?.aborted) throw cancelledWait(invocationId);
      const result =
        o.waitMs === undefined ? await getResult(this.nats.jsm, invocationId) : await awaitResult(this.nats, invocationId, { waitMs: o.waitMs, signal: o.signal });
      return result && (await this.payloads.resolveOutput(result));
    } catch (e) {
      throw asSpearError(e, `reading the result of ${invocationId}`);
    }
  }

  /**
   * The invocation's events (requested, assigned, retried, finished), its history first and
   * then live, ending after the final result. Throws `timeout` / `cancelled` from the
   * iteration when `waitMs` passes or the signal fires first.
   */
  async *watch(invocationId: string, o: WatchOptions = {}): AsyncGenerator<InvocationEvent> {
    validated(InvocationId, invocationId, "invocation id");
    try {
      yield* watchInvocation(this.nats, invocationId, o);
    } catch (e) {
      throw asSpearError(e, `watching ${invocationId}`);
    }
  }

  /** Recent final results, newest first, read from the result stream (kept for the result TTL). */
  async invocations(q: InvocationQuery = {}): Promise<ResultList> {
    try {
      return await listResults(this.nats, { fn: q.function, status: q.status, limit: q.limit ?? 20 });
    } catch (e) {
      throw asSpearError(e, "listing invocations");
    }
  }

  /** Deploys a new version: uploads the artifact first when there is one (skipped when the store has it). */
  async deploy(name: string, d: DeployDefinition, o: WaitOptions = {}): Promise<DeployResult> {
    validated(FunctionName, name, "function name");
    const runtime = runtimeOf(d);
    return this.waiting(`deploying ${name}`, o, async () => {
      const source = d.wasm ?? d.artifact;
      const upload = source === undefined ? undefined : await uploadSource(this.nats.nc, this.nats.js, source, runtime === "wasm" ? `${name}.wasm` : name);
      const spec = specOf(d, runtime, upload);
      const deployed = await smsRequest(this.nats.nc, api.functions.deploy, { name, spec, activate: d.activate ?? true }, this.timeout(o));
      return { ...deployed, uploaded: upload?.uploaded ?? false, ...(upload ? { artifact: upload.artifact } : {}) };
    });
  }

  /** Every node, by id; deregistered ones only when their state is asked for. */
  async nodes(o: WaitOptions & { readonly states?: readonly NodeState[] } = {}): Promise<NodeEntry[]> {
    return this.waiting("listing nodes", o, () => allPages(this.nats, api.nodes.list, o.states ? { states: [...o.states] } : {}));
  }

  /** Every function with the version that runs by default; deleted ones with `includeDeleted`. */
  async functions(o: WaitOptions & { readonly includeDeleted?: boolean } = {}): Promise<FunctionSummary[]> {
    return this.waiting("listing functions", o, () => allPages(this.nats, api.functions.list, { includeDeleted: o.includeDeleted ?? false }));
  }

  /** Dead letters, newest first, one page (`nextCursor` for the next), each invocation's with its redrive if it was sent back. */
  async deadLetters(q: RequestOf<typeof api.dlq.list> = {}, o: WaitOptions = {}): Promise<ResultOf<typeof api.dlq.list>> {
    return this.waiting("listing dead letters", o, () => smsRequest(this.nats.nc, api.dlq.list, q, this.timeout(o)));
  }

  /** One dead letter with the original headers and body; `dead_letter_not_found` when there is none at `seq`. */
  async deadLetter(seq: number, o: WaitOptions = {}): Promise<DeadLetterEntry> {
    return this.waiting(`reading dead letter ${seq}`, o, () => smsRequest(this.nats.nc, api.dlq.get, { seq }, this.timeout(o)));
  }

  /**
   * Sends dead-lettered invocations back, each as a new invocation (`redriveId`, attempt 1) whose
   * result `result(redriveId)` reads: `{ seq }`, or the newest not sent back yet by `code` and
   * `function`, up to `limit`. An invocation is sent back once however often this is called.
   */
  async redrive(req: RedriveRequest | RequestOf<typeof api.dlq.redrive>, o: WaitOptions = {}): Promise<ResultOf<typeof api.dlq.redrive>> {
    return this.waiting("redriving dead letters", o, () => smsRequest(this.nats.nc, api.dlq.redrive, req, this.timeout(o)));
  }

  /** Closes the connection when the client opened it (waiting for what it sent to be flushed). */
  async close(): Promise<void> {
    if (!this.ownsConnection) return;
    await this.nats.nc.drain().catch(() => this.nats.nc.close());
  }

  /**
   * The request as it goes on the wire. An input too large for a message goes to the payload
   * bucket first and the request names it (`inputRef`); one nested deeper than any hop can
   * carry is refused here, before anything is stored.
   */
  private async request(fn: string, input: unknown, o: SubmitOptions): Promise<{ invocationId: string; body: InvokeRequest }> {
    validated(FunctionName, fn, "function name");
    const invocationId = o.invocationId ?? randomUUID();
    validated(InvocationId, invocationId, "invocation id");
    if (valueDepth(input, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      throw new SpearError("invalid_argument", `invoking ${fn}: the input is nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    // The schema keeps the request's own fields and drops the rest of the options (id, waiting).
    const body = validated(InvokeRequest, { ...o, inputRef: undefined, input: input ?? null }, `invoking ${fn}`);
    try {
      return { invocationId, body: await this.payloads.externalizeInput(invocationId, body) };
    } catch (e) {
      throw asSpearError(e, `storing the input of ${fn}`);
    }
  }

  private timeout(o: WaitOptions) {
    return o.waitMs === undefined ? {} : { timeoutMs: o.waitMs };
  }

  /** Runs a control-plane call that the signal (or `waitMs` on the whole) can stop waiting for. */
  private async waiting<T>(what: string, o: WaitOptions, call: () => Promise<T>): Promise<T> {
    if (o.signal?.aborted) throw new SpearError("cancelled", `${what} was cancelled`);
    let onAbort: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const stopped = new Promise<never>((_, reject) => {
      onAbort = () => reject(new SpearError("cancelled", `${what} was cancelled; what was sent may still take effect`));
      o.signal?.addEventListener("abort", onAbort, { once: true });
      if (o.waitMs !== undefined) timer = setTimeout(() => reject(new SpearError("timeout", `${what} did not finish within ${o.waitMs} ms`)), o.waitMs);
    });
    try {
      return await Promise.race([call(), stopped]);
    } catch (e) {
      throw asSpearError(e, what);
    } finally {
      clearTimeout(timer);
      if (onAbort) o.signal?.removeEventListener("abort", onAbort);
    }
  }
}
