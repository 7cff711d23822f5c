import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeliverPolicy } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subjects } from "../../../domain/subjects.js";
import { AssignmentConsumer, assignmentConsumerName } from "../../../services/spearlet/agent/assignment-consumer.js";
import { ConsumerFloorFile } from "../../../services/spearlet/agent/consumer-floor.js";
import { streamNames } from "../../../streams/catalog.js";
import type { Nats } from "../../../streams/connection.js";
import { connectTest, eventually, testLog } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

const servers = useServers({ nats: true });
let nats: Nats;
let dir: string;
beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
  dir = mkdtempSync(join(tmpdir(), "spear-floor-"));
});
afterAll(async () => {
  await nats?.nc.close();
  rmSync(dir, { recursive: true, force: true });
});

const TEN_MINUTES = 600_000;
const consumerOf = (nodeId: string, floorFile: string) =>
  new AssignmentConsumer({ js: nats.js, jsm: nats.jsm, nodeId, slots: 2, ackWaitMs: 5_000, replayWindowMs: () => TEN_MINUTES, floorFile: new ConsumerFloorFile(floorFile), log: testLog });

/** A node's first process takes three assignments and acknowledges them; returns the last one's sequence. */
async function acknowledgeThree(nodeId: string, floorFile: string): Promise<number> {
  const first = consumerOf(nodeId, floorFile);
  await first.reset();
  first.start(async (m) => m.ack());
  let last = 0;
  for (let i = 0; i < 3; i++) last = (await nats.js.publish(subjects.assign(nodeId), "{}")).seq;
  await eventually(async () => ((await nats.jsm.consumers.info(streamNames.assign, assignmentConsumerName(nodeId))).ack_floor.stream_seq >= last ? true : undefined));
  await first.stop();
  return last;
}

describe("the ack floor file", () => {
  it("gives back what was written for the same stream only", () => {
    const file = new ConsumerFloorFile(join(dir, "floor-a.json"));
    expect(file.read("2026-01-01T00:00:00Z")).toBeUndefined();
    file.write("2026-01-01T00:00:00Z", 42);
    expect(file.read("2026-01-01T00:00:00Z")).toBe(42);
    expect(file.read("2026-02-02T00:00:00Z")).toBeUndefined();
  });

  it("is ignored when it is not what was written", () => {
    const path = join(dir, "floor-b.json");
    writeFileSync(path, "{not json");
    expect(new ConsumerFloorFile(path).read("x")).toBeUndefined();
    writeFileSync(path, JSON.stringify({ streamCreated: "x", floor: -1 }));
    expect(new ConsumerFloorFile(path).read("x")).toBeUndefined();
  });
});

describe("a node whose consumer is gone when it starts", () => {
  it("goes on after the floor its last process saved, not from the start of its assignments", async () => {
    const nodeId = "floor1";
    const file = join(dir, "floor1.json");
    const last = await acknowledgeThree(nodeId, file);

    // The next process saves the floor, then is killed after removing its consumer.
    await consumerOf(nodeId, file).reset();
    await nats.jsm.consumers.delete(streamNames.assign, assignmentConsumerName(nodeId));

    await consumerOf(nodeId, file).reset();
    const info = await nats.jsm.consumers.info(streamNames.assign, assignmentConsumerName(nodeId));
    expect(info.config.deliver_policy).toBe(DeliverPolicy.StartSequence);
    expect(info.config.opt_start_seq).toBe(last + 1);
  });

  it("made by a process that acknowledged nothing, keeps the position that process began at", async () => {
    const nodeId = "floor3";
    const file = join(dir, "floor3.json");
    const last = await acknowledgeThree(nodeId, file);

    // Killed after making its consumer, before it acknowledged anything (nats-server then reports a floor of 0).
    await consumerOf(nodeId, file).reset();
    await consumerOf(nodeId, join(dir, "floor3-elsewhere.json")).reset();
    const info = await nats.jsm.consumers.info(streamNames.assign, assignmentConsumerName(nodeId));
    expect(info.config.deliver_policy).toBe(DeliverPolicy.StartSequence);
    expect(info.config.opt_start_seq).toBe(last + 1);
  });

  it("without a saved floor reads back only the replay window", async () => {
    const nodeId = "floor2";
    await consumerOf(nodeId, join(dir, "floor2.json")).reset();
    const info = await nats.jsm.consumers.info(streamNames.assign, assignmentConsumerName(nodeId));
    expect(info.config.deliver_policy).toBe(DeliverPolicy.StartTime);
    expect(Date.now() - Date.parse(info.config.opt_start_time!)).toBeGreaterThanOrEqual(TEN_MINUTES);
  });
});
