import { z } from "zod";

/**
 * Identifiers become NATS subject tokens (`spear.evt.node.<id>`) and KV keys of read models,
 * so they hold only characters valid in both. One rule for all keeps every subject well-formed.
 */
/** The longest id of any kind (some kinds allow fewer characters). */
export const MAX_ID_LENGTH = 128;

const token = (what: string, max = MAX_ID_LENGTH) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, `${what} may hold only letters, digits, '_' and '-', and must start with a letter or digit`);

export const NodeId = token("node id", 64);
export const FunctionName = token("function name", 64);
export const PoolId = token("pool id", 64);
export const SessionId = token("session id");
export const InvocationId = token("invocation id");
export const InstanceId = token("instance id");
export const TenantId = token("tenant", 64);
export const Sha256 = z.string().regex(/^[a-f0-9]{64}$/, "sha256 must be 64 lowercase hex digits");
export const EventId = z.string().min(1).max(128);

export const RuntimeKind = z.enum(["wasm", "process", "container"]);
export type RuntimeKind = z.infer<typeof RuntimeKind>;

export const LanguagePair = z.object({ source: z.string().min(1).max(32), target: z.string().min(1).max(32) });
export type LanguagePair = z.infer<typeof LanguagePair>;

export const Labels = z.record(z.string().max(128), z.string().max(256));

/** ISO-8601 instant, as every timestamp on the wire is written. */
export const Instant = z.iso.datetime({ offset: true });
