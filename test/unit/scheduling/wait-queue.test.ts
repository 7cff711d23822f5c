import { describe, expect, it } from "vitest";
import { WaitQueue, type QueueKey } from "../../../services/scheduler/wait-queue.js";

const item = (id: string, priority: number, submittedAt: string, seq: number) => ({ id, priority, submittedAt, seq });

describe("wait queue", () => {
  it("serves higher priorities first and, within one, the first submitted first", () => {
    const q = new WaitQueue<QueueKey & { id: string }>();
    q.add(item("low-early", 0, "2026-01-01T00:00:01Z", 1));
    q.add(item("high-late", 5, "2026-01-01T00:00:09Z", 9));
    q.add(item("low-earlier-retry", 0, "2026-01-01T00:00:00Z", 12));
    q.add(item("high-early", 5, "2026-01-01T00:00:02Z", 2));
    q.add(item("low-early-later-seq", 0, "2026-01-01T00:00:01Z", 3));
    expect(q.ordered().map((i) => i.id)).toEqual(["high-early", "high-late", "low-earlier-retry", "low-early", "low-early-later-seq"]);
  });

  it("removes an item wherever it stands", () => {
    const q = new WaitQueue<QueueKey & { id: string }>();
    const a = item("a", 1, "t1", 1);
    const b = item("b", 1, "t2", 2);
    q.add(a);
    q.add(b);
    expect(q.remove(a)).toBe(true);
    expect(q.remove(a)).toBe(false);
    expect(q.ordered().map((i) => i.id)).toEqual(["b"]);
    expect(q.size).toBe(1);
  });
});
