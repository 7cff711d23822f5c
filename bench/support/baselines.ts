import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { createInbox, headers as natsHeaders, nanos } from "@nats-io/transport-node";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { Nats } from "../../streams/connection.js";
import { encodeJson } from "../../streams/json.js";
import { Helper } from "./helper.js";
import { FLOOR_REPLY_HEADER } from "./helper-process.js";
import type { Call } from "./load.js";
import type { ScenarioContext } from "./scenario.js";

/** The body an SDK invoke of the no-op function publishes, so the baselines carry the same bytes. */
const BODY = encodeJson({ input: null, priority: 0 });

const CORE_SUBJECT = "bench.core.noop";
const FLOOR = {
  in: { stream: "BENCH_FLOOR_IN", subjects: "bench.floor.in.>", subject: "bench.floor.in.noop", consumer: "floor_relay" },
  out: { stream: "BENCH_FLOOR_OUT", subjects: "bench.floor.out.>", subject: "bench.floor.out.node", consumer: "floor_responder" },
} as const;

/** A baseline: how to make one call, and the processes that serve it, by name. */
export interface Baseline {
  readonly call: Call;
  readonly pids: Record<string, number>;
}

async function startHelper(ctx: ScenarioContext, role: string, settings: Record<string, unknown>): Promise<Helper> {
  const helper = await Helper.start(role, settings, join(ctx.tempDir, `${role}.log`));
  ctx.labelProcess(helper.pid, role);
  ctx.defer(() => helper.stop());
  return helper;
}

/** Core NATS request/reply to a no-op responder in a process of its own. */
export async function coreRequestReply(ctx: ScenarioContext, nats: Nats, natsUrl: string, timeoutMs: number): Promise<Baseline> {
  const responder = await startHelper(ctx, "core-responder", { natsUrl, subject: CORE_SUBJECT });
  return { call: () => nats.nc.request(CORE_SUBJECT, BODY, { timeout: timeoutMs }), pids: { "core-responder": responder.pid } };
}

/**
 * The floor: the hops an invocation takes with no Spear logic in them. JetStream publish (as
 * the client submits) → durable consumer in a relay process (the scheduler's place) →
 * JetStream publish (as the assignment) → durable consumer in a responder process (the
 * spearlet's place) → core NATS reply to the caller's inbox. Streams and consumers are set up
 * like Spear's: file storage, message ids for deduplication, explicit acks.
 */
export async function floorPipeline(ctx: ScenarioContext, nats: Nats, natsUrl: string, timeoutMs: number): Promise<Baseline> {
  for (const hop of [FLOOR.in, FLOOR.out]) {
    await nats.jsm.streams.add({
      name: hop.stream,
      subjects: [hop.subjects],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: nanos(3_600_000),
      duplicate_window: nanos(120_000),
      allow_direct: true,
    });
    await nats.jsm.consumers.add(hop.stream, {
      durable_name: hop.consumer,
      filter_subject: hop.subjects,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: 1_000,
      ack_wait: nanos(30_000),
    });
  }
  const relay = await startHelper(ctx, "floor-relay", { natsUrl, stream: FLOOR.in.stream, consumer: FLOOR.in.consumer, subject: FLOOR.out.subject });
  const responder = await startHelper(ctx, "floor-responder", { natsUrl, stream: FLOOR.out.stream, consumer: FLOOR.out.consumer });
  // The same steps as invokeAndWait: subscribe to an inbox, publish the request, wait for the one reply.
  const call = async () => {
    const inbox = createInbox();
    const sub = nats.nc.subscribe(inbox, { max: 1, timeout: timeoutMs });
    try {
      const h = natsHeaders();
      h.set(FLOOR_REPLY_HEADER, inbox);
      await nats.js.publish(FLOOR.in.subject, BODY, { msgID: randomUUID(), headers: h });
      for await (const m of sub) return m;
      throw new Error("the floor pipeline ended without a reply");
    } finally {
      sub.unsubscribe();
    }
  };
  return { call, pids: { "floor-relay": relay.pid, "floor-responder": responder.pid } };
}
