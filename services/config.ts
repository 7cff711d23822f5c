import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ms from "ms";
import { z } from "zod";
import { SpearError } from "../domain/errors.js";
import { defaultStreamSettings, type StreamSettings } from "../streams/catalog.js";

/** A duration as a number of ms or a string like `30s`, `10m`, `24h`. */
export const Duration = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  if (typeof v === "number") return v;
  const parsed = /^\d+$/.test(v) ? Number(v) : ms(v as ms.StringValue);
  if (typeof parsed !== "number" || !Number.isFinite(parsed) || parsed < 0) {
    ctx.addIssue({ code: "custom", message: `'${v}' is not a duration (try 500ms, 30s, 10m, 24h)` });
    return z.NEVER;
  }
  return parsed;
});

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

const natsUrl = z
  .string()
  .min(1)
  .refine(
    (v) => v.split(",").every((u) => /^(nats|tls|ws|wss):\/\/[^\s/]+$|^[^\s/:]+:\d+$/.test(u.trim())),
    "must be nats://host:port (comma-separated for a cluster)",
  );

export const ConnectionConfig = z.object({
  natsUrl,
  natsCreds: z.string().min(1).optional(),
  natsUser: z.string().min(1).optional(),
  natsPassword: z.string().min(1).optional(),
  natsToken: z.string().min(1).optional(),
  /** TLS to NATS: the CA that signed the server's certificate, and this client's certificate and key when the server verifies clients. */
  natsTlsCa: z.string().min(1).optional(),
  natsTlsCert: z.string().min(1).optional(),
  natsTlsKey: z.string().min(1).optional(),
  redisUrl: z.string().regex(/^rediss?:\/\/\S+$/, "must be redis://host:port[/db]"),
});
export type ConnectionConfig = z.infer<typeof ConnectionConfig>;

export const StreamSettingsConfig = z.object({
  replicas: z.coerce.number().int().min(1).max(5).default(defaultStreamSettings.replicas),
  invokeMaxAge: Duration.default(defaultStreamSettings.invokeMaxAgeMs),
  assignMaxAge: Duration.default(defaultStreamSettings.assignMaxAgeMs),
  resultTtl: Duration.default(defaultStreamSettings.resultMaxAgeMs),
  statusMaxAge: Duration.default(defaultStreamSettings.statusMaxAgeMs),
  dedupeWindow: Duration.default(defaultStreamSettings.dedupeWindowMs),
});

export const toStreamSettings = (c: z.infer<typeof StreamSettingsConfig>): StreamSettings => ({
  replicas: c.replicas,
  invokeMaxAgeMs: c.invokeMaxAge,
  assignMaxAgeMs: c.assignMaxAge,
  resultMaxAgeMs: c.resultTtl,
  statusMaxAgeMs: c.statusMaxAge,
  dedupeWindowMs: c.dedupeWindow,
});

/** `--snapshots on|off`: whether a starting service loads read model snapshots; off folds from sequence 1. */
export const SnapshotsSwitch = z.enum(["on", "off"]).default("on").transform((v) => v === "on");

/** Validates configuration at start-up; every problem is named with the setting it concerns. */
export function parseConfig<S extends z.ZodType>(schema: S, raw: unknown, what = "configuration"): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  throw new SpearError("invalid_config", `invalid ${what}: ${problems}`);
}

/** Where `spear dev` writes the URLs of what it started; other commands read it as a default. */
export const devStateFile = (dataDir = ".spear") => join(dataDir, "dev.json");

/**
 * What each kind of client of a `spear dev` needs (its servers run with authentication on):
 * NATS URLs carrying a user and password (the CLI uses `admin`, an application `client`), the
 * gateway's bearer token (every scope), Redis's URL with its password.
 */
export interface DevCredentials {
  readonly admin: { readonly natsUrl: string };
  readonly client: { readonly natsUrl: string };
  readonly gateway: { readonly token: string };
  readonly redis: { readonly redisUrl: string };
}

export interface DevState {
  readonly natsUrl: string;
  readonly redisUrl: string;
  readonly gatewayUrl?: string;
  readonly credentials?: DevCredentials;
  /** The pid of each process that runs now (see `processes` for more). */
  readonly pids: Readonly<Record<string, number>>;
  readonly startedAt: string;
  /** False while the launcher is still starting things (absent in files older than this field). */
  readonly ready?: boolean;
  /**
   * The `spear dev` that started the processes: its pid and start time (clock ticks after boot,
   * /proc/<pid>/stat), which together name it; `detached` when it returned and supervises nothing.
   */
  readonly launcher?: { readonly pid: number; readonly startTime?: number; readonly detached: boolean };
  /** Every process the launcher runs, in start order. */
  readonly processes?: Readonly<
    Record<
      string,
      {
        readonly kind: "server" | "service";
        /** Absent while it is not running (restarting, crash loop). */
        readonly pid?: number;
        /** With the pid, names the process: a pid given to another program later does not match. */
        readonly startTime?: number;
        /** starting, running, restarting, crash-loop, exited, stopping, stopped */
        readonly state: string;
        /** How many times the launcher started it again after it exited on its own. */
        readonly restarts: number;
        readonly log: string;
        /** Its /healthz and /readyz (services). */
        readonly monitorUrl?: string;
        readonly lastExit?: { readonly code: number | null; readonly signal: string | null; readonly at: string };
      }
    >
  >;
}

export function readDevState(dataDir = ".spear"): DevState | undefined {
  const file = devStateFile(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as DevState;
  } catch {
    return undefined;
  }
}
