import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { Helper } from "./helper.js";
import type { Call } from "./load.js";
import type { ScenarioContext } from "./scenario.js";

/**
 * BullMQ on the given Redis: `workers` processes each completing no-op jobs `concurrency` at a
 * time. A call adds a job and resolves on its `completed` event (what `waitUntilFinished`
 * waits for), so its latency is add → completed, end to end.
 */
export async function bullmqNoop(
  ctx: ScenarioContext,
  o: { redisUrl: string; workers: number; concurrency: number; timeoutMs: number },
): Promise<{ call: Call; pids: Record<string, number> }> {
  const queueName = "bench-noop";
  const pids: Record<string, number> = {};
  for (let i = 1; i <= o.workers; i++) {
    const helper = await Helper.start("bullmq-worker", { redisUrl: o.redisUrl, queue: queueName, concurrency: o.concurrency }, join(ctx.tempDir, `bullmq-worker-${i}.log`));
    ctx.labelProcess(helper.pid, `bullmq-worker-${i}`);
    ctx.defer(() => helper.stop());
    pids[`bullmq-worker-${i}`] = helper.pid;
  }
  const queueConnection = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection: queueConnection });
  // From the start of the (new, empty) event stream: with "$" the events of the first jobs
  // could pass before the first read.
  const events = new QueueEvents(queueName, { connection: { url: o.redisUrl }, lastEventId: "0-0" });
  ctx.defer(async () => {
    await events.close();
    await queue.close();
    queueConnection.disconnect();
  });
  await queue.waitUntilReady();
  await events.waitUntilReady();

  const waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  events.on("completed", ({ jobId }) => waiting.get(jobId)?.resolve());
  events.on("failed", ({ jobId, failedReason }) => waiting.get(jobId)?.reject(new Error(`job ${jobId} failed: ${failedReason}`)));
  const call = async () => {
    const jobId = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    // Waiting is set up before the add, so a completion cannot slip past.
    const done = new Promise<void>((resolve, reject) => {
      waiting.set(jobId, { resolve, reject });
      timer = setTimeout(() => reject(new Error(`job ${jobId} not completed within ${o.timeoutMs} ms`)), o.timeoutMs);
    });
    try {
      await queue.add("noop", null, { jobId, removeOnComplete: true, removeOnFail: true });
      await done;
    } finally {
      clearTimeout(timer);
      waiting.delete(jobId);
    }
  };
  return { call, pids };
}
