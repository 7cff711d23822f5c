import type { JetStreamManager } from "@nats-io/jetstream";
import { SCHEDULER_CONSUMER } from "../../services/scheduler/dispatcher.js";
import { subjects } from "../../domain/subjects.js";
import { streamNames } from "../../streams/catalog.js";
import { lastMatchingSeq } from "../../streams/reader.js";

/** A durable consumer that must end with nothing left: every message delivered and acknowledged. */
export interface ConsumerState {
  readonly stream: string;
  readonly consumer: string;
  readonly ackPending: number;
  readonly pending: number;
  /** Matching messages past the consumer's acknowledgement floor (nats-server 2.9 overstates `pending` for filtered consumers). */
  readonly unacked: number;
}

export const stuckOf = (c: ConsumerState): number => c.ackPending + c.unacked;

async function stateOf(jsm: JetStreamManager, stream: string, consumer: string, filter: string): Promise<ConsumerState> {
  const info = await jsm.consumers.info(stream, consumer);
  const last = await lastMatchingSeq(jsm, stream, filter);
  const unacked = info.num_pending > 0 && info.ack_floor.stream_seq < last.seq ? info.num_pending : 0;
  return { stream, consumer, ackPending: info.num_ack_pending, pending: info.num_pending, unacked };
}

/**
 * Waits (at most `settleMs`) until the scheduler's consumer on SPEAR_INVOKE and each spearlet's
 * on SPEAR_ASSIGN have nothing pending and nothing unacknowledged, and gives their last states.
 */
export async function settleConsumers(jsm: JetStreamManager, nodes: readonly string[], settleMs: number): Promise<{ states: ConsumerState[]; settledMs: number }> {
  const t0 = Date.now();
  const read = () =>
    Promise.all([
      stateOf(jsm, streamNames.invoke, SCHEDULER_CONSUMER, subjects.allInvokes),
      ...nodes.map((n) => stateOf(jsm, streamNames.assign, `spearlet_${n}`, subjects.assign(n))),
    ]);
  let states = await read();
  while (states.some((s) => stuckOf(s) > 0) && Date.now() - t0 < settleMs) {
    await new Promise((r) => setTimeout(r, 500));
    states = await read();
  }
  return { states, settledMs: Date.now() - t0 };
}
