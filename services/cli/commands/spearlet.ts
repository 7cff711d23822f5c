import { Option, type Command } from "commander";
import { parseConfig } from "../../config.js";
import { startSpearlet } from "../../spearlet/agent/agent.js";
import { SpearletConfig } from "../../spearlet/agent/config.js";
import { runService, serviceCommand } from "../service-runner.js";

interface SpearletOptions {
  name?: string;
  nodeId?: string;
  slots?: string;
  services?: string;
  languages?: string;
  labels?: string;
  runtimes?: string;
  baseDir?: string;
  heartbeat?: string;
  reportFlush?: string;
  reportMax?: string;
  drainTimeout?: string;
  commitGrace?: string;
  versionWait?: string;
  ackWait?: string;
  containerCpus?: string;
  wasmSpareWorkers?: string;
  adaptiveConcurrency?: boolean | string;
  isolation?: string;
  dockerSocket?: string;
}

export const spearletCommand = () =>
  serviceCommand("spearlet", "run an execution node: registers, takes its assignments, runs functions in warm pools, reports its status (SIGTERM drains it)")
    .addOption(new Option("--name <name>", "the node's name (and id, unless --node-id)").env("SPEAR_NODE_NAME"))
    .addOption(new Option("--node-id <id>", "the node's id (default: the name)").env("SPEAR_NODE_ID"))
    .addOption(new Option("--slots <n>", "calls the node runs at once").env("SPEAR_SLOTS"))
    .addOption(new Option("--services <a,b>", "services the node offers").env("SPEAR_SERVICES"))
    .addOption(new Option("--languages <en,zh>", "languages the node handles").env("SPEAR_LANGUAGES"))
    .addOption(new Option("--labels <k=v,...>", "labels functions may require").env("SPEAR_LABELS"))
    .addOption(new Option("--runtimes <wasm,process,container>", "runtimes to offer; the available ones are advertised (default all)").env("SPEAR_RUNTIMES"))
    .addOption(new Option("--base-dir <dir>", "where relative programs of process functions are found (default: the working folder)").env("SPEAR_BASE_DIR"))
    .addOption(new Option("--heartbeat <duration>", "a status report at least this often (default 5s)").env("SPEAR_HEARTBEAT_INTERVAL"))
    .addOption(new Option("--report-flush <duration>", "instance transitions and outcomes wait at most this long (default 250ms)").env("SPEAR_REPORT_FLUSH"))
    .addOption(new Option("--report-max <n>", "...or until this many wait (default 256)").env("SPEAR_REPORT_MAX"))
    .addOption(new Option("--drain-timeout <duration>", "how long SIGTERM lets running calls finish (default 30s)").env("SPEAR_DRAIN_TIMEOUT"))
    .addOption(new Option("--commit-grace <duration>", "added to a call's timeout when its lease is committed (default 5s)").env("SPEAR_COMMIT_GRACE"))
    .addOption(new Option("--version-wait <duration>", "how long an assignment waits for its function version to be known here (default 2s)").env("SPEAR_VERSION_WAIT"))
    .addOption(new Option("--ack-wait <duration>", "the assignment consumer's ack wait; running calls send in-progress acks at a third of it (default 5s)").env("SPEAR_ACK_WAIT"))
    .addOption(new Option("--adaptive-concurrency", "refuse calls of a function whose latency rises with load, per function (default off)").env("SPEAR_ADAPTIVE_CONCURRENCY"))
    .addOption(new Option("--isolation <on|off>", "confine process functions: own user, PID and network namespaces, private /tmp (default on)").env("SPEAR_ISOLATION"))
    .addOption(new Option("--wasm-spare-workers <n>", "worker threads kept started for wasm cold starts (default 1)").env("SPEAR_WASM_SPARE_WORKERS"))
    .addOption(new Option("--container-cpus <n>", "CPUs each container may use (default 1)").env("SPEAR_CONTAINER_CPUS"))
    .addOption(new Option("--docker-socket <path>", "the Docker Engine's unix socket (default DOCKER_HOST or /var/run/docker.sock)").env("SPEAR_DOCKER_SOCKET"))
    .action(async (o: SpearletOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals<{ dataDir?: string }>();
      // The monitor flags are the runner's; the settings schema ignores keys it does not know.
      const given = Object.fromEntries(Object.entries({ ...o, dataDir: globals.dataDir }).filter(([, v]) => v !== undefined));
      const config = parseConfig(SpearletConfig, given, "spearlet settings");
      await runService(cmd, "spearlet", async (nats, { cli, log, signal, snapshots, tracing }) => {
        const spearlet = await startSpearlet({ nats, redisUrl: cli.connection.redisUrl, config, streams: cli.streams, log, signal, snapshots, tracer: tracing?.tracer });
        return {
          stop: async () => void (await spearlet.drain()),
          checks: { serving: () => spearlet.state === "serving", registered: () => spearlet.health().registered, healthy: () => spearlet.health().healthy },
        };
      });
    });
