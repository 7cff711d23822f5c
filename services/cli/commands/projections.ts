import type { JetStreamManager } from "@nats-io/jetstream";
import { Command } from "commander";
import { findProjections, projectionRegistry } from "../../../projections/registry.js";
import { rebuildProjection } from "../../../projections/rebuild.js";
import { consumerLag, projectionStatus } from "../../../projections/status.js";
import { ProjectionWorker } from "../../../projections/worker.js";
import { Duration, parseConfig } from "../../config.js";
import { readFrom } from "../../metrics/registry.js";
import { cliContext, withNats } from "../context.js";
import { runService, serviceCommand } from "../service-runner.js";
import { printJson, printTable } from "../output.js";
import { parsePositiveInt } from "../parse.js";

export const projectionsCommand = () => {
  const cmd = new Command("projections").description("read models folded from the streams");
  cmd.addCommand(
    serviceCommand("run", "run projection workers into their KV read models until stopped")
      .argument("[names...]", "projections to run (all when none is named)")
      .option("--lock-ttl <duration>", "how long a silent owner keeps a projection before another worker takes over", "15s")
      .action(async (names: string[], o: { lockTtl: string }, c: Command) => {
        const lockTtlMs = parseConfig(Duration, o.lockTtl, "--lock-ttl");
        const chosen = findProjections(names);
        await runService(c, "projections", async (nats, { cli, log }) => {
          const workers = chosen.map((p) => new ProjectionWorker(nats.js, nats.jsm, p, log, { replicas: cli.streams.replicas, lockTtlMs, waitForLock: true }));
          const unwatched = workers.map((w) => watchWorker(w, nats.jsm));
          const serving = Promise.all(workers.map((w) => w.serve()));
          log.info({ projections: chosen.map((p) => p.name) }, "projection workers running");
          return {
            stop: async () => {
              workers.forEach((w) => w.stop());
              await serving;
              unwatched.forEach((stop) => stop());
            },
            checks: { owned: () => workers.every((w) => w.owning) },
          };
        });
      }),
  );
  cmd
    .command("rebuild")
    .argument("<name>", "projection to rebuild")
    .option("--from-seq <n>", "fold only events from this stream sequence on", parsePositiveInt)
    .description("throw a read model away and fold its stream again until caught up")
    .action(async (name: string, opts: { fromSeq?: number }, c: Command) => {
      const ctx = cliContext(c, "spear-projections");
      const [p] = findProjections([name]);
      await withNats(ctx, "spear-projections", async ({ js, jsm }) => {
        const started = Date.now();
        const progress = await rebuildProjection(js, jsm, p!, ctx.log, { ...opts, replicas: ctx.streams.replicas });
        const result = { name: p!.name, ...progress, ms: Date.now() - started };
        if (ctx.json) printJson(result);
        else process.stdout.write(`rebuilt ${result.name}: ${result.applied} events applied, ${result.poison} dead-lettered, checkpoint ${result.checkpoint}, ${result.ms} ms\n`);
      });
    });
  cmd
    .command("status")
    .description("each projection's checkpoint, lag and owner")
    .action(async (_o, c: Command) => {
      const ctx = cliContext(c);
      await withNats(ctx, "spear-projections", async ({ js, jsm }) => {
        const rows = await Promise.all(projectionRegistry.map((p) => projectionStatus(js, jsm, p)));
        if (ctx.json) return rows.forEach(printJson);
        printTable(
          ["projection", "stream", "subject", "checkpoint", "lag", "owner"],
          rows.map((r) => [r.name, r.stream, r.subject, r.checkpoint, r.lag, r.owner ? `${r.owner} (${r.ownerRenewedMsAgo} ms ago)` : null]),
        );
      });
    });
  return cmd;
};

/** A worker's metrics, read at each scrape; the lag asks the server, so a worker that is stuck still shows it growing. */
function watchWorker(w: ProjectionWorker<unknown>, jsm: JetStreamManager): () => void {
  const labels = { projection: w.projection.name };
  const stops = [
    readFrom("spear_projection_events_applied_total", () => [{ labels, value: w.progress.applied }]),
    readFrom("spear_projection_poison_events_total", () => [{ labels, value: w.progress.poison }]),
    readFrom("spear_projection_checkpoint_sequence", () => [{ labels, value: w.progress.checkpoint }]),
    readFrom("spear_projection_owned", () => [{ labels, value: w.owning ? 1 : 0 }]),
    readFrom("spear_projection_lag_events", async () => {
      const lag = await consumerLag(jsm, w.projection);
      return lag === null ? [] : [{ labels, value: lag }];
    }),
  ];
  return () => stops.forEach((stop) => stop());
}
