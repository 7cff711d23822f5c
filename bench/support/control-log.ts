import type { DomainEvent } from "../../domain/events/catalog.js";
import type { AggregateRef } from "../../domain/events/envelope.js";
import { FunctionSpec } from "../../domain/events/function.js";
import { subjects } from "../../domain/subjects.js";
import type { Nats } from "../../streams/connection.js";
import { encodeEnvelope, newMeta } from "../../streams/codec.js";
import { streamNames } from "../../streams/catalog.js";
import { encodeJson } from "../../streams/json.js";
import { lastMatchingSeq } from "../../streams/reader.js";

export interface ControlLogShape {
  /** Control events to write. */
  readonly events: number;
  /** The simulated time they span, ending now: ended sessions older than a day are history. */
  readonly historyDays: number;
  /** Sessions bound and not yet ended at any time. */
  readonly liveSessions: number;
  /** How many registrations later a node is drained and deregistered. */
  readonly liveNodes: number;
  readonly functions: number;
}

const LANGS = ["en", "zh", "ja", "de", "fr", "es"];
const SPEC = FunctionSpec.parse({ runtime: "wasm", artifact: { sha256: "0".repeat(64), size: 1 } });

/**
 * The control events of a busy cluster's history, in the mix it makes them: of every 200
 * events, 1 is a function deploy, 9 are node lifecycle (3 nodes registered, and 3 registered
 * `liveNodes` earlier drained and deregistered: the fleet stays at `liveNodes`, however long
 * the log), the rest sessions bound and, `liveSessions` binds later, ended. What is alive is
 * the same at 10k and at 1M events; only the history grows. Deterministic in `k`; each event
 * as EventStore encodes it.
 */
function* controlEvents(shape: ControlLogShape): Generator<{ aggregate: AggregateRef; event: DomainEvent; k: number }> {
  let sessions = 0;
  let nodes = 0;
  let retired = 0;
  let deploys = 0;
  for (let k = 0; k < shape.events; ) {
    const slot = k % 200;
    if (slot === 0) {
      const fn = deploys % shape.functions;
      const version = Math.floor(deploys / shape.functions) + 1;
      deploys++;
      yield {
        k: k++,
        aggregate: { type: "function", id: `fn-${fn}` },
        event: { type: "FunctionVersionDeployed", data: { version, activate: true, spec: SPEC } },
      };
    } else if (slot <= 9) {
      // register one node; drain, then deregister, the oldest of more than `liveNodes`
      const phase = (slot - 1) % 3;
      if (phase === 0) {
        const i = nodes++;
        yield {
          k: k++,
          aggregate: { type: "node", id: `node-${i}` },
          event: { type: "NodeRegistered", data: { name: `node-${i}`, capabilities: { runtimes: ["wasm"], services: [], languages: ["en", LANGS[1 + (i % 5)]!], labels: {} }, capacity: { slots: 8, cpuCores: 4, memoryMb: 8_192 } } } as DomainEvent,
        };
      } else if (nodes - retired > shape.liveNodes) {
        const id = `node-${retired}`;
        if (phase === 2) retired++;
        yield { k: k++, aggregate: { type: "node", id }, event: (phase === 1 ? { type: "NodeDrained", data: { reason: "retired" } } : { type: "NodeDeregistered", data: {} }) as DomainEvent };
      } else k++;
    } else if (slot % 2 === 1 || sessions < shape.liveSessions) {
      const i = sessions++;
      yield { k: k++, aggregate: { type: "session", id: `s-${i}` }, event: { type: "SessionBound", data: { poolId: `pool-${i % 8}`, langPair: { source: "en", target: LANGS[1 + (i % 5)]! } } } as DomainEvent };
    } else {
      yield { k: k++, aggregate: { type: "session", id: `s-${sessions - shape.liveSessions}` }, event: { type: "SessionEnded", data: { reason: "ended" } } as DomainEvent };
    }
  }
}

/**
 * Writes the log as fast as the server takes it: `window` publishes, then a flush, and so on
 * (no per-event acknowledgement; nothing else appends meanwhile). At the end the stream must
 * hold every event written, or the write failed. Returns the events stream's last sequence.
 */
export async function writeControlLog(nats: Nats, shape: ControlLogShape, window = 2_000, signal?: AbortSignal): Promise<{ written: number; lastSeq: number }> {
  const before = (await lastMatchingSeq(nats.jsm, streamNames.events)).seq;
  const now = Date.now();
  const spanMs = shape.historyDays * 86_400_000;
  let written = 0;
  for (const { aggregate, event, k } of controlEvents(shape)) {
    if (written % window === 0) {
      await nats.nc.flush();
      if (signal?.aborted) throw new Error("stopped: the scenario ran out of time");
    }
    const at = new Date(now - spanMs + Math.floor((k / shape.events) * spanMs));
    const { headers, body } = encodeEnvelope(event, newMeta(event, aggregate, { now: at }));
    nats.nc.publish(subjects.event(aggregate.type, aggregate.id), encodeJson(body), { headers });
    written++;
  }
  await nats.nc.flush();
  const deadline = Date.now() + 120_000;
  for (;;) {
    const lastSeq = (await lastMatchingSeq(nats.jsm, streamNames.events)).seq;
    if (lastSeq - before === written) return { written, lastSeq };
    if (Date.now() > deadline) throw new Error(`the events stream took ${lastSeq - before} of ${written} events`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
