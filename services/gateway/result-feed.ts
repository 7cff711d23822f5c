import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { InvocationFinished } from "../../domain/events/invocation.js";
import { lastToken, subjects } from "../../domain/subjects.js";
import { parseResult } from "../../streams/invocations/results.js";

export type ResultListener = (result: InvocationFinished) => void;

/**
 * Every result as it is stored, fanned out to the gateway's watches and its live feed (the one
 * result subscription of a gateway): one core NATS
 * subscription on `spear.result.*` (JetStream delivers each stored message to core subscribers
 * too), held only while someone listens. Core delivery is at most once; a watch of one
 * invocation reads the stored result after subscribing, so a result recorded before is not missed.
 */
export class ResultFeed {
  private sub: Subscription | undefined;
  private readonly byInvocation = new Map<string, Set<ResultListener>>();
  private readonly byFunction = new Map<string, Set<ResultListener>>();
  /** Listeners of every result (the live feed). */
  private readonly ofAll = new Set<ResultListener>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {}

  /** Calls `listener` with each result of the invocation, of the function, or every one; the returned function stops it. */
  listen(on: { readonly invocationId: string } | { readonly function: string } | "all", listener: ResultListener): () => void {
    let stopListening: () => void;
    if (on === "all") {
      this.ofAll.add(listener);
      stopListening = () => this.ofAll.delete(listener);
    } else {
      const [map, key] = "invocationId" in on ? [this.byInvocation, on.invocationId] : [this.byFunction, on.function];
      const set = map.get(key) ?? new Set();
      map.set(key, set.add(listener));
      stopListening = () => {
        set.delete(listener);
        if (set.size === 0) map.delete(key);
      };
    }
    this.sub ??= this.nc.subscribe(subjects.result("*"), { callback: (err, msg) => (err ? this.log.warn({ err }, "result feed failed") : this.deliver(msg.subject, msg.data)) });
    return () => {
      stopListening();
      if (this.byInvocation.size === 0 && this.byFunction.size === 0 && this.ofAll.size === 0) {
        this.sub?.unsubscribe();
        this.sub = undefined;
      }
    };
  }

  private deliver(subject: string, data: Uint8Array): void {
    const forId = this.byInvocation.get(lastToken(subject));
    // Only a result someone listens to is decoded.
    if (!forId && this.byFunction.size === 0 && this.ofAll.size === 0) return;
    let result: InvocationFinished;
    try {
      result = parseResult(data);
    } catch {
      return;
    }
    for (const l of [...(forId ?? []), ...(this.byFunction.get(result.function) ?? []), ...this.ofAll]) l(result);
  }
}
