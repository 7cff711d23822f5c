import { z } from "zod";
import { Duration } from "../config.js";
import { ByteSize } from "../sms/config.js";

/** The port `spear gateway` takes when none is given and it is free. */
export const DEFAULT_GATEWAY_PORT = 8080;

/** `a,b , c` or a list: the bearer tokens the gateway accepts (none: no authentication). */
const Tokens = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((t) => t.trim()).filter((t) => t.length > 0))
  .pipe(z.array(z.string().regex(/^[\x21-\x7e]+$/, "a token holds printable ASCII without spaces")));

/** `spear gateway` settings (flags or SPEAR_GATEWAY_* variables), validated at start-up. */
export const GatewayConfig = z.object({
  /** Unset: 8080 when free, else any free port. 0: any free port. */
  port: z.coerce.number().int().min(0).max(65_535).optional(),
  host: z.string().min(1).default("127.0.0.1"),
  tokens: Tokens.default([]),
  /** Largest JSON body (and multipart field) accepted. */
  bodyLimit: ByteSize.default(1024 * 1024),
  /** Largest artifact accepted in a deploy upload. */
  uploadLimit: ByteSize.default(64 * 1024 * 1024),
  /** How long /readyz waits for the control plane. */
  readyTimeout: Duration.default(2_000),
});
export type GatewayConfig = z.output<typeof GatewayConfig>;
export type GatewayConfigInput = z.input<typeof GatewayConfig>;
