import { Option, type Command } from "commander";
import { parseConfig } from "../../config.js";
import { SmsConfig } from "../../sms/config.js";
import { startSms } from "../../sms/service.js";
import { runService, serviceCommand } from "../service-runner.js";

interface SmsOptions {
  heartbeatInterval?: string;
  heartbeatTimeout?: string;
  maxArtifactSize?: string;
  sessionTtl?: string;
  settleTimeout?: string;
}

export const smsCommand = () =>
  serviceCommand("sms", "run the control plane: the spear.api.* request/reply service, liveness and session expiry (any number of replicas)")
    .addOption(new Option("--heartbeat-interval <duration>", "how often spearlets report (default 5s)").env("SPEAR_HEARTBEAT_INTERVAL"))
    .addOption(new Option("--heartbeat-timeout <duration>", "silence after which a node is lost (default 15s)").env("SPEAR_HEARTBEAT_TIMEOUT"))
    .addOption(new Option("--max-artifact-size <size>", "largest artifact accepted (default 64MiB)").env("SPEAR_MAX_ARTIFACT_SIZE"))
    .addOption(new Option("--session-ttl <duration>", "sessions not bound again for this long expire; 0 never (default 1h)").env("SPEAR_SESSION_TTL"))
    .addOption(new Option("--settle-timeout <duration>", "how long a reply waits for the read models (default 5s)").env("SPEAR_SETTLE_TIMEOUT"))
    .action(async (o: SmsOptions, cmd: Command) => {
      const config = parseConfig(SmsConfig, Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)), "sms settings");
      await runService(cmd, "sms", async (nats, { cli, log, signal, snapshots }) => startSms(nats, config, cli.streams, log, signal, { snapshots }));
    });
