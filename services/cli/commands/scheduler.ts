import { Command, Option } from "commander";
import { parseConfig } from "../../config.js";
import { SchedulerConfig } from "../../scheduler/config.js";
import { startScheduler } from "../../scheduler/service.js";
import { cliContext, withNats } from "../context.js";

interface SchedulerFlags {
  maxAttempts?: string;
  pickupTimeout?: string;
  queueTimeout?: string;
  maxQueued?: string;
  concurrency?: string;
  maxCpu?: string;
  maxMemory?: string;
  defaultPolicy?: string;
}

export const schedulerCommand = () =>
  new Command("scheduler")
    .description("run a scheduler replica: place invocation requests on nodes through Redis slot leases (any number of replicas)")
    .addOption(new Option("--max-attempts <n>", "attempts before an invocation is dead-lettered (default 3)").env("SPEAR_MAX_ATTEMPTS"))
    .addOption(new Option("--pickup-timeout <duration>", "how long a reserved slot waits for its spearlet to start (default 10s)").env("SPEAR_PICKUP_TIMEOUT"))
    .addOption(new Option("--queue-timeout <duration>", "how long a request may wait for capacity before no_capacity (default 30s)").env("SPEAR_QUEUE_TIMEOUT"))
    .addOption(new Option("--max-queued <n>", "requests one replica holds while they wait (default 1000)").env("SPEAR_MAX_QUEUED"))
    .addOption(new Option("--concurrency <n>", "placements one replica works on at once (default 64)").env("SPEAR_SCHEDULER_CONCURRENCY"))
    .addOption(new Option("--max-cpu <percent>", "nodes above this cpu use take no new work (default 100: off)").env("SPEAR_MAX_CPU"))
    .addOption(new Option("--max-memory <percent>", "nodes above this memory use take no new work (default 90)").env("SPEAR_MAX_MEMORY"))
    .addOption(new Option("--default-policy <policy>", "placement policy of functions that name none (default warm-affinity)").env("SPEAR_DEFAULT_POLICY"))
    .action(async (f: SchedulerFlags, cmd: Command) => {
      const ctx = cliContext(cmd, "spear-scheduler");
      const explicitLevel = cmd.optsWithGlobals<{ logLevel?: string }>().logLevel;
      const log = explicitLevel ? ctx.log : ctx.log.child({}, { level: "info" });
      const place = Object.fromEntries(
        Object.entries({ maxCpuPercent: f.maxCpu, maxMemoryPercent: f.maxMemory, defaultPolicy: f.defaultPolicy })
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, k === "defaultPolicy" ? v : Number(v)]),
      );
      const raw = Object.fromEntries(
        Object.entries({ maxAttempts: f.maxAttempts, pickupTimeout: f.pickupTimeout, queueTimeout: f.queueTimeout, maxQueued: f.maxQueued, concurrency: f.concurrency }).filter(
          ([, v]) => v !== undefined,
        ),
      );
      const config = parseConfig(SchedulerConfig, { ...raw, place }, "scheduler settings");
      await withNats(
        ctx,
        "spear-scheduler",
        async (nats) => {
          const stopping = new Promise<void>((resolve) => {
            process.once("SIGINT", resolve);
            process.once("SIGTERM", resolve);
          });
          const scheduler = await startScheduler({ nats, redisUrl: ctx.connection.redisUrl, streams: ctx.streams, config, log });
          await stopping;
          log.info("stopping");
          await scheduler.stop();
        },
        true,
      );
    });
