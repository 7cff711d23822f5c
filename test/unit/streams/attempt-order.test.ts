import { describe, expect, it } from "vitest";
import { H } from "../../../domain/headers.js";
import type { ReplayRecord } from "../../../streams/replay.js";
import { AttemptOrder, inAttemptOrder } from "../../../streams/invocations/attempt-order.js";

let seq = 0;
const record = (type: string, over: Partial<ReplayRecord> = {}): ReplayRecord => ({
  stream: "S",
  seq: ++seq,
  subject: "x",
  time: "2026-12-05T00:00:00.000Z",
  type,
  aggregate: null,
  headers: {},
  data: {},
  ...over,
});
const assigned = (attempt: number) => record("InvocationAssigned", { data: { attempt } });
const retried = (attempt: number) => record("InvocationRetryRequested", { headers: { [H.attempt]: String(attempt) } });
const label = (r: ReplayRecord) =>
  r.type === "InvocationAssigned" ? `A${(r.data as { attempt: number }).attempt}` : r.type === "InvocationRetryRequested" ? `R${r.headers[H.attempt]}` : r.type;

const run = (order: AttemptOrder, records: ReplayRecord[]) => [...records.flatMap((r) => order.push(r)), ...order.drain()].map(label);

describe("AttemptOrder", () => {
  it("passes records that arrive in order straight through", () => {
    const order = new AttemptOrder();
    expect(order.push(record("InvocationRequested")).map(label)).toEqual(["InvocationRequested"]);
    expect(order.push(assigned(1)).map(label)).toEqual(["A1"]);
    expect(order.push(retried(2)).map(label)).toEqual(["R2"]);
    expect(order.push(assigned(2)).map(label)).toEqual(["A2"]);
  });

  it("holds an assignment that overtook its retry request until the request comes", () => {
    // The feed seen on a loaded machine: the assignments' feed ran ahead of the retries'.
    const order = new AttemptOrder();
    const shown = [assigned(1), assigned(2), retried(2), retried(3), assigned(3)].flatMap((r) => order.push(r)).map(label);
    expect(shown).toEqual(["A1", "R2", "A2", "R3", "A3"]);
  });

  it("holds a retry request until the assignment of the attempt before it", () => {
    const order = new AttemptOrder();
    expect(order.push(retried(2))).toEqual([]);
    expect(order.push(assigned(1)).map(label)).toEqual(["A1", "R2"]);
  });

  it("lets a retry of an attempt that was never assigned go when the next assignment comes", () => {
    // A reservation that expired before its assignment was written: attempt 1 has no assignment.
    expect(run(new AttemptOrder(), [retried(2), assigned(2)])).toEqual(["R2", "A2"]);
  });

  it("gives back what it still holds, in attempt order, when drained", () => {
    const order = new AttemptOrder();
    expect(run(order, [retried(2), retried(3)])).toEqual(["R2", "R3"]);
    expect(order.drain()).toEqual([]);
  });

  it("passes other events of the invocation without holding them", () => {
    const order = new AttemptOrder();
    expect(order.push(assigned(2))).toEqual([]);
    expect(order.push(record("InvocationDeadLettered")).map(label)).toEqual(["InvocationDeadLettered"]);
  });

  it("orders a feed as it flows and gives what it held when the feed ends", async () => {
    async function* feed() {
      yield* [assigned(1), assigned(2), retried(2), retried(4)];
    }
    const shown: string[] = [];
    for await (const r of inAttemptOrder(feed())) shown.push(label(r)!);
    expect(shown).toEqual(["A1", "R2", "A2", "R4"]);
  });
});
