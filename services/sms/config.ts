import { z } from "zod";
import { DEFAULT_MAX_ARTIFACT_BYTES } from "../../domain/artifact/commands.js";
import { Duration } from "../config.js";

const units: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** A size as a number of bytes or a string like `64MiB`, `500kB`, `1GiB`. */
export const ByteSize = z.union([z.number().int().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === "number") return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
  const unit = units[(m?.[2] || "b").toLowerCase()];
  const bytes = m && unit ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1) {
    ctx.addIssue({ code: "custom", message: `'${v}' is not a size (try 1048576, 500kB, 64MiB, 1GiB)` });
    return z.NEVER;
  }
  return bytes;
});

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
