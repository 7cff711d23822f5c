// The baselines' own processes, so that each hop of a baseline runs in a process of its own as
// Spear's services do. Run as `node helper-process.js <role> '<json settings>'`; prints "ready"
// on stdout once serving, stops on SIGTERM.
import { jetstream, DeliverPolicy } from "@nats-io/jetstream";
import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { Worker } from "bullmq";
import { Redis } from "ioredis";

/** The header that carries a floor request's reply subject, like Spear-Reply-To does for an invocation. */
export const FLOOR_REPLY_HEADER = "Bench-Reply-To";

interface Settings {
  readonly natsUrl?: string;
  readonly redisUrl?: string;
  readonly subject?: string;
  readonly stream?: string;
  readonly consumer?: string;
  readonly queue?: string;
  readonly concurrency?: number;
}

const NOOP_REPLY = new TextEncoder().encode('{"ok":true,"result":null}');

const need = <K extends keyof Settings>(s: Settings, k: K): NonNullable<Settings[K]> => {
  const v = s[k];
  if (v === undefined) throw new Error(`helper-process: setting ${k} is missing`);
  return v as NonNullable<Settings[K]>;
};

const natsOf = (s: Settings) => connect({ servers: need(s, "natsUrl"), name: `bench-${process.argv[2]}`, timeout: 10_000 });

/** Core NATS request/reply: answers every request at once. */
async function coreResponder(s: Settings): Promise<() => Promise<void>> {
  const nc = await natsOf(s);
  nc.subscribe(need(s, "subject"), { callback: (_e, m) => void m.respond(NOOP_REPLY) });
  await nc.flush();
  return () => nc.drain();
}

/** A durable consumer's messages, each handled as it comes (several at once, as the scheduler does). */
async function consumeDurable(nc: NatsConnection, s: Settings, handle: (m: import("@nats-io/jetstream").JsMsg) => Promise<void>): Promise<() => Promise<void>> {
  const js = jetstream(nc);
  const consumer = await js.consumers.get(need(s, "stream"), need(s, "consumer"));
  const messages = await consumer.consume({ max_messages: 256 });
  const loop = (async () => {
    for await (const m of messages) {
      handle(m).catch((e: unknown) => {
        process.stderr.write(`helper-process: ${String(e)}\n`);
        m.nak();
      });
    }
  })();
  return async () => {
    messages.stop();
    await loop;
    await nc.drain();
  };
}

/** Floor hop 1 (the scheduler's place): a request from the first stream is published to the second, then acknowledged. */
async function floorRelay(s: Settings): Promise<() => Promise<void>> {
  const nc = await natsOf(s);
  const js = jetstream(nc);
  const out = need(s, "subject");
  return consumeDurable(nc, s, async (m) => {
    const h = natsHeaders();
    h.set(FLOOR_REPLY_HEADER, m.headers?.get(FLOOR_REPLY_HEADER) ?? "");
    await js.publish(out, m.data, { headers: h, msgID: `${m.headers?.get("Nats-Msg-Id") ?? m.seq}.hop` });
    m.ack();
  });
}

/** Floor hop 2 (the spearlet's place): answers on the request's reply subject with core NATS, then acknowledges. */
async function floorResponder(s: Settings): Promise<() => Promise<void>> {
  const nc = await natsOf(s);
  return consumeDurable(nc, s, async (m) => {
    const reply = m.headers?.get(FLOOR_REPLY_HEADER);
    if (reply) nc.publish(reply, NOOP_REPLY);
    m.ack();
  });
}

/** Heartbeat baseline: reads every new status report through an ordered consumer and parses its JSON, nothing more. */
async function statusConsumer(s: Settings): Promise<() => Promise<void>> {
  const nc = await natsOf(s);
  const js = jetstream(nc);
  const consumer = await js.consumers.get(need(s, "stream"), { filter_subjects: need(s, "subject"), deliver_policy: DeliverPolicy.New });
  const messages = await consumer.consume({ max_messages: 1024 });
  let count = 0;
  const loop = (async () => {
    for await (const m of messages) {
      JSON.parse(new TextDecoder().decode(m.data));
      count++;
    }
  })();
  return async () => {
    messages.stop();
    await loop;
    process.stderr.write(`status-consumer: ${count} reports read\n`);
    await nc.drain();
  };
}

/** BullMQ baseline: a worker that completes every job at once, `concurrency` at a time. */
async function bullmqWorker(s: Settings): Promise<() => Promise<void>> {
  const connection = new Redis(need(s, "redisUrl"), { maxRetriesPerRequest: null });
  const worker = new Worker(need(s, "queue"), async () => null, { connection, concurrency: need(s, "concurrency") });
  await worker.waitUntilReady();
  return async () => {
    await worker.close();
    connection.disconnect();
  };
}

const roles: Record<string, (s: Settings) => Promise<() => Promise<void>>> = {
  "core-responder": coreResponder,
  "floor-relay": floorRelay,
  "floor-responder": floorResponder,
  "status-consumer": statusConsumer,
  "bullmq-worker": bullmqWorker,
};

async function main(): Promise<void> {
  const [role, raw] = process.argv.slice(2);
  const start = role ? roles[role] : undefined;
  if (!start) throw new Error(`helper-process: unknown role ${String(role)}; one of ${Object.keys(roles).join(", ")}`);
  const stop = await start(JSON.parse(raw ?? "{}") as Settings);
  process.stdout.write("ready\n");
  await new Promise<void>((resolve) => process.once("SIGTERM", resolve));
  await stop();
  process.exit(0);
}

if (process.argv[1]?.endsWith("helper-process.js")) {
  main().catch((e: unknown) => {
    process.stderr.write(`helper-process: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
