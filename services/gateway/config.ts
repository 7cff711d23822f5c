import { z } from "zod";
import { ByteSize, Duration } from "../config.js";
import { credentialsOf, TokensFileAt, TokenText } from "./tokens.js";

/** The port `spear gateway` takes when none is given and it is free. */
export const DEFAULT_GATEWAY_PORT = 8080;

/** `a,b , c` or a list, each item checked. */
const list = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((t) => t.trim()).filter((t) => t.length > 0))
    .pipe(z.array(item));

/** A name the gateway answers to in `Host` (no port), or `*` for any. */
const HostName = z
  .string()
  .regex(/^(\*|\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/, "a host name, an IP address ([::1] for IPv6) or *, without a port")
  .transform((h) => h.toLowerCase());

/** A browser origin allowed to call the gateway: `scheme://host[:port]` as browsers send it. */
const Origin = z.string().refine((o) => {
  try {
    const u = new URL(o);
    return (u.protocol === "http:" || u.protocol === "https:") && u.origin === o;
  } catch {
    return false;
  }
}, "an origin is scheme://host[:port] (http or https), without a path or trailing slash");

const positive = (what: string) => Duration.refine((ms) => ms > 0, `${what} must be more than 0`);

/** `spear gateway` settings (flags or SPEAR_GATEWAY_* variables), validated at start-up. */
export const GatewayConfig = z
  .object({
    /** Unset: 8080 when free, else any free port. 0: any free port. */
    port: z.coerce.number().int().min(0).max(65_535).optional(),
    host: z.string().min(1).default("127.0.0.1"),
    /** Tokens with every scope (none here and no tokens file: no authentication). */
    tokens: list(TokenText).default([]),
    /** Tokens with their own scopes and rate limits. */
    tokensFile: TokensFileAt.optional(),
    /** Names accepted in `Host` besides the loopback names and the bound address. */
    allowedHosts: list(HostName).default([]),
    /** Browser origins that may call the gateway besides its own (CORS); none by default. */
    corsOrigins: list(Origin).default([]),
    /** Largest JSON body (and multipart field) accepted. */
    bodyLimit: ByteSize.default(1024 * 1024),
    /** Largest artifact accepted in a deploy upload. */
    uploadLimit: ByteSize.default(64 * 1024 * 1024),
    /** How long /readyz waits for the control plane. */
    readyTimeout: Duration.default(2_000),
    /** The whole request, headers and body, must arrive within this (an upload of --upload-limit included). */
    requestTimeout: positive("the request timeout").default(300_000),
    /** The request line and headers must arrive within this. */
    headersTimeout: positive("the headers timeout").default(10_000),
    /** A connection idle this long while the request or answer is sent, or between requests, is closed. */
    connectionTimeout: positive("the connection timeout").default(30_000),
    /** Requests per token (per client address without tokens) and --rate-window on /v1; 0: no limit. */
    rateLimit: z.coerce.number().int().min(0).default(6_000),
    rateWindow: positive("the rate window").default(60_000),
    /** Synchronous invokes waiting at once for their result, at most. */
    maxSyncWaits: z.coerce.number().int().min(1).default(1_000),
    /** Server-sent event streams (watches and the console's live feed) open at once, at most: one cap for all. */
    maxStreams: z.coerce.number().int().min(1).default(100),
  })
  .refine((c) => c.headersTimeout <= c.requestTimeout, { message: "must not be longer than the request timeout", path: ["headersTimeout"] })
  .transform(({ tokens, tokensFile, ...rest }, ctx) => {
    const credentials = credentialsOf(tokens, tokensFile?.entries ?? [], (setting, message) => ctx.addIssue({ code: "custom", message, path: [setting] }));
    return { ...rest, ...(tokensFile ? { tokensFile: tokensFile.path } : {}), credentials };
  });
export type GatewayConfig = z.output<typeof GatewayConfig>;
export type GatewayConfigInput = z.input<typeof GatewayConfig>;
