import { z } from "zod";
import { DEFAULT_MAX_ARTIFACT_BYTES } from "../../domain/artifact/commands.js";
import { ByteSize, Duration } from "../config.js";

/** `spear sms` settings (flags or SPEAR_* variables), validated at start-up. */
export const SmsConfig = z
  .object({
    /** How often spearlets report; liveness checks twice per interval. */
    heartbeatInterval: Duration.default(5_000),
    /** Silence after which a node is declared lost. */
    heartbeatTimeout: Duration.default(15_000),
    maxArtifactSize: ByteSize.default(DEFAULT_MAX_ARTIFACT_BYTES),
    /** Sessions not bound again for this long are expired (0: never). */
    sessionTtl: Duration.default(3_600_000),
    /** How long a reply waits for the read model to fold what a command appended. */
    settleTimeout: Duration.default(5_000),
    /** Replicas share the requests of one queue group. */
    queueGroup: z.string().min(1).default("spear-sms"),
  })
  .refine((c) => c.heartbeatInterval > 0, { message: "must be more than 0", path: ["heartbeatInterval"] })
  .refine((c) => c.heartbeatTimeout > c.heartbeatInterval, { message: "must be longer than the heartbeat interval", path: ["heartbeatTimeout"] });
export type SmsConfig = z.output<typeof SmsConfig>;
