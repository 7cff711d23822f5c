import type { JetStreamClient } from "@nats-io/jetstream";
import type { NodeStatusReported } from "../../domain/events/status.js";
import { H } from "../../domain/headers.js";
import type { Nats } from "../../streams/connection.js";
import { EventStore } from "../../streams/event-store.js";
import { lastMatchingSeq } from "../../streams/reader.js";
import { streamNames } from "../../streams/catalog.js";
import { encodeStatusReport, publishStatusReport } from "../../streams/status-reports.js";

const LANGS = ["en", "zh", "ja", "de", "fr", "es"];

export const simulatedNodeId = (i: number) => `sim-${String(i).padStart(5, "0")}`;

/** Runs `work(i)` for i in [0, count) with at most `window` of them unfinished at once. */
async function windowed(count: number, window: number, work: (i: number) => Promise<unknown>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < count && failure === undefined && !signal?.aborted) {
      const i = next++;
      try {
        await work(i);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, worker));
  if (failure !== undefined) throw failure;
  if (signal?.aborted) throw new Error("stopped: the scenario ran out of time");
}

/** Registers `count` simulated nodes the way the control plane does: one NodeRegistered per node aggregate, expected version 0. */
export async function registerNodes(nats: Nats, count: number, window = 256, signal?: AbortSignal): Promise<void> {
  const store = new EventStore(nats.js, nats.jsm);
  await windowed(
    count,
    window,
    (i) =>
      store.append(
        { type: "node", id: simulatedNodeId(i) },
        [
          {
            type: "NodeRegistered",
            data: {
              name: simulatedNodeId(i),
              capabilities: { runtimes: ["wasm", "process"], services: i % 3 === 0 ? ["asr"] : [], languages: ["en", LANGS[1 + (i % 5)]!], labels: { zone: `z${i % 4}` } },
              capacity: { slots: 8, cpuCores: 4, memoryMb: 8_192 },
            },
          },
        ],
        { expectedVersion: 0 },
      ),
    signal,
  );
}

/** A heartbeat as a busy spearlet sends it: usage and two function versions' instances, no transitions. */
export function statusReport(i: number, reportSeq: number): NodeStatusReported {
  const running = (i + reportSeq) % 9;
  return {
    reportSeq,
    at: new Date().toISOString(),
    usage: { cpuPercent: (i * 7 + reportSeq * 13) % 100, memoryMb: 2_048 + (i % 1_024), memoryPercent: 25 + (i % 50), load1: (i % 400) / 100, running, slots: 8 },
    instances: [
      { function: "echo", version: 1, ready: 2, busy: running % 3, total: 2 + (running % 3) },
      { function: "wordcount", version: 3, ready: 1, busy: 0, total: 1 },
    ],
    transitions: [],
    outcomes: [],
    draining: false,
  };
}

export const publishReport = (js: JetStreamClient, i: number, reportSeq: number) => publishStatusReport(js, simulatedNodeId(i), statusReport(i, reportSeq));

/**
 * Writes `count` status reports (report k from node k mod `nodes`) as fast as the server
 * takes them: encoded as `publishStatusReport` does (event id as Nats-Msg-Id), but published
 * without waiting for each acknowledgement: `window`
 * messages, then a flush (the server has read them), and so on. At the end the stream must
 * hold every one of them, or the write failed.
 */
export async function writeReports(nats: Nats, count: number, nodes: number, window: number, signal?: AbortSignal): Promise<void> {
  const before = (await lastMatchingSeq(nats.jsm, streamNames.status)).seq;
  for (let k = 0; k < count; k++) {
    if (k % window === 0) {
      await nats.nc.flush();
      if (signal?.aborted) throw new Error("stopped: the scenario ran out of time");
    }
    const i = k % nodes;
    const r = encodeStatusReport(simulatedNodeId(i), statusReport(i, Math.floor(k / nodes) + 1));
    r.headers.set(H.msgId, r.msgID);
    nats.nc.publish(r.subject, r.payload, { headers: r.headers });
  }
  await nats.nc.flush();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const stored = (await lastMatchingSeq(nats.jsm, streamNames.status)).seq - before;
    if (stored === count) return;
    if (Date.now() > deadline) throw new Error(`the status stream took ${stored} of ${count} reports`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
