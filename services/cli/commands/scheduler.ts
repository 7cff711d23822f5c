import { Option, type Command } from "commander";
import { parseConfig } from "../../config.js";
import { SchedulerConfig } from "../../scheduler/config.js";
import { startScheduler } from "../../scheduler/service.js";
import { runService, serviceCommand } from "../service-runner.js";

interface SchedulerFlags {
  maxAttempts?: string;
  pickupTimeout?: string;
  stallAfter?: string;
  queueTimeout?: string;
  ackWait?: string;
  maxQueued?: string;
  concurrency?: string;
  maxCpu?: string;
  maxMemory?: string;
  defaultPolicy?: string;
}

export const schedulerCommand = () =>
  serviceCommand("scheduler", "run a scheduler replica: place invocation requests on nodes through Redis slot leases (any number of replicas)")
    .addOption(new Option("--max-attempts <n>", "attempts before an invocation is dead-lettered (default 3)").env("SPEAR_MAX_ATTEMPTS"))
    .addOption(new Option("--pickup-timeout <duration>", "how long a reserved slot waits for its spearlet to start the call before it goes elsewhere (default 3s)").env("SPEAR_PICKUP_TIMEOUT"))
    .addOption(new Option("--stall-after <duration>", "a node that leaves a reservation uncommitted this long gets no new calls until it picks up (default 500ms; 0: off)").env("SPEAR_STALL_AFTER"))
    .addOption(new Option("--queue-timeout <duration>", "how long a request may wait for capacity before no_capacity (default 30s)").env("SPEAR_QUEUE_TIMEOUT"))
    .addOption(new Option("--ack-wait <duration>", "how long a request held by a replica that stopped answering waits before another replica takes it (default 2s)").env("SPEAR_SCHEDULER_ACK_WAIT"))
    .addOption(new Option("--max-queued <n>", "requests one replica holds while they wait (default 1000)").env("SPEAR_MAX_QUEUED"))
    .addOption(new Option("--concurrency <n>", "placements one replica works on at once (default 64)").env("SPEAR_SCHEDULER_CONCURRENCY"))
    .addOption(new Option("--max-cpu <percent>", "nodes above this cpu use take no new work (default 100: off)").env("SPEAR_MAX_CPU"))
    .addOption(new Option("--max-memory <percent>", "nodes above this memory use take no new work (default 90)").env("SPEAR_MAX_MEMORY"))
    .addOption(new Option("--default-policy <policy>", "placement policy of functions that name none (default warm-affinity)").env("SPEAR_DEFAULT_POLICY"))
    .action(async (f: SchedulerFlags, cmd: Command) => {
      const place = Object.fromEntries(
        Object.entries({ maxCpuPercent: f.maxCpu, maxMemoryPercent: f.maxMemory, defaultPolicy: f.defaultPolicy })
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, k === "defaultPolicy" ? v : Number(v)]),
      );
      const { maxAttempts, pickupTimeout, stallAfter, queueTimeout, ackWait, maxQueued, concurrency } = f;
      const raw = Object.fromEntries(Object.entries({ maxAttempts, pickupTimeout, stallAfter, queueTimeout, ackWait, maxQueued, concurrency }).filter(([, v]) => v !== undefined));
      const config = parseConfig(SchedulerConfig, { ...raw, place }, "scheduler settings");
      await runService(cmd, "scheduler", async (nats, { cli, log, signal, snapshots, tracing }) => {
        const scheduler = await startScheduler({ nats, redisUrl: cli.connection.redisUrl, streams: cli.streams, config, log, signal, snapshots, tracer: tracing?.tracer });
        return { stop: () => scheduler.stop(), checks: { redis: () => scheduler.redisReachable } };
      });
    });
