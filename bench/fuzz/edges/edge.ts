import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type fc from "fast-check";
import type { ReplyBox } from "../replies.js";
import type { Verdict } from "../tally.js";

/** What every edge sends through: the run's own NATS connection, its reply inbox, the gateway. */
export interface EdgeContext {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly replies: ReplyBox;
  readonly gatewayUrl: string;
  readonly answerTimeoutMs: number;
  /** Unique per run, so ids and reply subjects of two runs never meet. */
  readonly runId: string;
}

/** The real names of the system under fuzz: what valid messages name. */
export interface Targets {
  readonly functions: readonly string[];
  readonly nodes: readonly string[];
}

/** One edge of the system: how its messages are made, sent and judged. */
export interface Edge<M> {
  readonly arbitrary: fc.Arbitrary<M>;
  send(ctx: EdgeContext, m: M, index: number): Promise<Verdict>;
  describe(m: M): string;
}

/** Function names that do not exist, or cannot: unknown tokens, bad characters, too long. */
export const UNKNOWN_FUNCTIONS = ["no-such-fn", "fz-decoy-fn", "fn$x", "ünï", "f".repeat(65), "a.b", "_", "-lead", "0"];
