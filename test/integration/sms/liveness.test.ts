import { describe, expect, it } from "vitest";
import { api } from "../../../domain/api/registry.js";
import type { NodeStatusReported } from "../../../domain/events/status.js";
import { subjects } from "../../../domain/subjects.js";
import { streamNames } from "../../../streams/catalog.js";
import { decodeRecorded, rawOf } from "../../../streams/codec.js";
import { encodeJson } from "../../../streams/json.js";
import { readStream } from "../../../streams/reader.js";
import { eventually } from "../../support/nats.js";
import { useSms } from "./harness.js";

const HEARTBEAT = 200;
const TIMEOUT = 600;
const SESSION_TTL = 400;
// Two replicas: both run liveness and session expiry, and each verdict must still be recorded once.
const sms = useSms({ heartbeatInterval: HEARTBEAT, heartbeatTimeout: TIMEOUT, sessionTtl: SESSION_TTL }, 2);

const caps = { runtimes: ["process" as const], services: [], languages: [] };

/** A simulated spearlet: publishes a status report every heartbeat until stopped. */
function reporter(nodeId: string) {
  let seq = 0;
  let lastStored = 0;
  let timer: NodeJS.Timeout | undefined;
  const report = async () => {
    const body: NodeStatusReported = {
      reportSeq: seq++,
      at: new Date().toISOString(),
      usage: { cpuPercent: 12, memoryMb: 256, memoryPercent: 3, load1: 0.2, running: 1, slots: 2 },
      instances: [{ function: "echo", version: 1, ready: 1, busy: 1, total: 2 }],
      transitions: [],
      outcomes: [],
      draining: false,
    };
    const ack = await sms.nats.js.publish(subjects.status(nodeId), encodeJson(body));
    const stored = await sms.nats.jsm.streams.getMessage(streamNames.status, { seq: ack.seq });
    lastStored = stored ? Date.parse(stored.timestamp) : Date.now();
  };
  return {
    async start() {
      await report();
      timer = setInterval(() => void report(), HEARTBEAT);
    },
    stop() {
      clearInterval(timer);
    },
    get lastStoredAt() {
      return lastStored;
    },
  };
}

async function eventsOf(type: "node" | "session", id: string) {
  const out = [];
  for await (const m of readStream(sms.nats.js, streamNames.events, { filter: subjects.event(type, id) })) out.push(decodeRecorded(rawOf(m), streamNames.events));
  return out;
}
const nodeEvents = (nodeId: string) => eventsOf("node", nodeId);

describe("liveness", () => {
  it("declares a silent node lost within timeout + one interval, and recovered when it reports again, once each", async () => {
    await sms.call(api.nodes.register, { nodeId: "live1", name: "live1", capabilities: caps, capacity: { slots: 2 } });
    const spearlet = reporter("live1");
    await spearlet.start();
    try {
      await new Promise((r) => setTimeout(r, TIMEOUT * 2));
      const healthy = await sms.call(api.nodes.get, { nodeId: "live1" });
      expect(healthy.state).toBe("online");
      expect(healthy.usage).toMatchObject({ usage: { cpuPercent: 12, running: 1 }, instances: [{ function: "echo", ready: 1 }] });

      spearlet.stop();
      await new Promise((r) => setTimeout(r, HEARTBEAT));
      const lastReport = spearlet.lastStoredAt;
      const lost = await eventually(async () => {
        const n = await sms.call(api.nodes.get, { nodeId: "live1" });
        return n.state === "lost" ? n : undefined;
      }, 5_000, 20);
      const lostEvent = (await nodeEvents("live1")).find((e) => e.type === "NodeLost")!;
      const silence = Date.parse(lostEvent.meta.occurredAt) - lastReport;
      expect(silence).toBeGreaterThan(TIMEOUT);
      expect(silence).toBeLessThanOrEqual(TIMEOUT + HEARTBEAT);
      expect(lost.lastSeenAt).not.toBeNull();

      await spearlet.start();
      await eventually(async () => ((await sms.call(api.nodes.get, { nodeId: "live1" })).state === "online" ? true : undefined), 5_000, 20);
      await new Promise((r) => setTimeout(r, TIMEOUT));
      const types = (await nodeEvents("live1")).map((e) => e.type);
      expect(types).toEqual(["NodeRegistered", "NodeLost", "NodeRecovered"]);
    } finally {
      spearlet.stop();
    }
  });

  it("declares lost a node that registered but never reported", async () => {
    await sms.call(api.nodes.register, { nodeId: "silent", name: "silent", capabilities: caps, capacity: { slots: 1 } });
    const lost = await eventually(async () => {
      const n = await sms.call(api.nodes.get, { nodeId: "silent" });
      return n.state === "lost" ? n : undefined;
    }, 5_000, 20);
    expect(lost.lastSeenAt).toBeNull();
    await new Promise((r) => setTimeout(r, TIMEOUT));
    expect((await nodeEvents("silent")).map((e) => e.type)).toEqual(["NodeRegistered", "NodeLost"]);
  });

  it("keeps a drained node draining through loss and recovery", async () => {
    await sms.call(api.nodes.register, { nodeId: "drainy", name: "drainy", capabilities: caps, capacity: { slots: 1 } });
    await sms.call(api.nodes.drain, { nodeId: "drainy" });
    await eventually(async () => ((await sms.call(api.nodes.get, { nodeId: "drainy" })).state === "lost" ? true : undefined), 5_000, 20);
    const spearlet = reporter("drainy");
    await spearlet.start();
    try {
      const back = await eventually(async () => {
        const n = await sms.call(api.nodes.get, { nodeId: "drainy" });
        return n.lost ? undefined : n;
      }, 5_000, 20);
      expect(back.state).toBe("draining");
    } finally {
      spearlet.stop();
    }
  });
});

describe("session expiry", () => {
  it("ends a session not bound again within its TTL, once, and lets it bind afresh", async () => {
    await sms.call(api.pools.apply, { pools: [{ id: "any", name: "any" }] });
    await sms.call(api.sessions.bind, { sessionId: "brief", poolId: "any" });
    const expired = await eventually(async () => {
      const s = await sms.call(api.sessions.get, { sessionId: "brief" });
      return s.ended ? s : undefined;
    }, 5_000, 50);
    expect(expired.endReason).toBe("expired");
    await new Promise((r) => setTimeout(r, SESSION_TTL));
    expect((await eventsOf("session", "brief")).map((e) => e.type)).toEqual(["SessionBound", "SessionEnded"]);
    const again = await sms.call(api.sessions.bind, { sessionId: "brief", poolId: "any" });
    expect(again.session).toMatchObject({ ended: false, poolId: "any" });
  });
});
