import { z } from "zod";

/**
 * Identifiers become NATS subject tokens (`spear.evt.node.<id>`) and KV keys of read models,
 * so they hold only characters valid in both. One rule for all keeps every subject well-formed.
 */
/** The longest id of any kind (some kinds allow fewer characters). */
export const MAX_ID_LENGTH = 128;

/** The longest id of the kinds that name a node, function, pool or tenant. */
export const MAX_NAME_LENGTH = 64;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** The schemas' rule without zod, for values a service checks on every call. */
export const isId = (s: unknown, max = MAX_ID_LENGTH): s is string => typeof s === "string" && s.length > 0 && s.length <= max && ID_PATTERN.test(s);

const token = (what: string, max = MAX_ID_LENGTH) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    .regex(ID_PATTERN, `${what} may hold only letters, digits, '_' and '-', and must start with a letter or digit`);

export const NodeId = token("node id", MAX_NAME_LENGTH);
export const FunctionName = token("function name", MAX_NAME_LENGTH);
export const PoolId = token("pool id", MAX_NAME_LENGTH);
export const SessionId = token("session id");
export const InvocationId = token("invocation id");
export const InstanceId = token("instance id");
export const TenantId = token("tenant", MAX_NAME_LENGTH);
export const Sha256 = z.string().regex(/^[a-f0-9]{64}$/, "sha256 must be 64 lowercase hex digits");
export const EventId = z.string().min(1).max(128);

export const RuntimeKind = z.enum(["wasm", "process", "container"]);
export type RuntimeKind = z.infer<typeof RuntimeKind>;

export const LanguagePair = z.object({ source: z.string().min(1).max(32), target: z.string().min(1).max(32) });
export type LanguagePair = z.infer<typeof LanguagePair>;

export const Labels = z.record(z.string().max(128), z.string().max(256));

/** ISO-8601 instant, as every timestamp on the wire is written. */
export const Instant = z.iso.datetime({ offset: true });
const INSTANT = Instant._zod.pattern;
/** What `Instant` accepts (its own pattern), without a parse. */
export const isInstant = (v: unknown): v is string => typeof v === "string" && INSTANT.test(v);
