import { z } from "zod";
import { LanguagePair } from "./ids.js";

// The shapes of `details` that the error catalog names for its codes. Only codes whose every
// raiser passes the same facts have one; any other code's details stay free-form.

export const functionDetails = z.object({ function: z.string() });

export const versionDetails = z.object({ function: z.string(), version: z.number() });

/** Why no node was placed (the scheduler's refusals): `rejected` counts the nodes left out per reason. */
export const placementDetails = z.object({
  function: z.string(),
  version: z.number().optional(),
  pools: z.array(z.string()).readonly().optional(),
  examined: z.number().optional(),
  rejected: z.record(z.string(), z.number()).optional(),
});

export const nodeDetails = z.object({ nodeId: z.string() });

export const sessionDetails = z.object({ sessionId: z.string() });

export const boundSessionDetails = z.object({ sessionId: z.string(), poolId: z.string().optional(), langPair: LanguagePair.optional() });

export const poolDetails = z.object({ poolId: z.string(), tenant: z.string().optional() });

export const aggregateDetails = z.object({ aggregateType: z.string(), aggregateId: z.string(), expectedVersion: z.union([z.number(), z.literal("any")]) });

export const sizeDetails = z.object({ size: z.number(), maxBytes: z.number() });

/** A spearlet's admission control or instance pool refused the call; `retryAfterMs` when a rate's tokens come back then. */
const nodeRefusal = z.object({
  scope: z.enum(["global", "binary", "function", "adaptive", "rate", "instances"]),
  function: z.string(),
  version: z.number().optional(),
  limit: z.number(),
  inFlight: z.number(),
  retryAfterMs: z.number().optional(),
});

export const saturatedDetails = nodeRefusal;

export const rateLimitedDetails = z.union([
  nodeRefusal,
  z.object({ reason: z.literal("gateway_rate_limit"), limit: z.number(), windowMs: z.number(), token: z.string().optional() }),
]);

export const syncWaitsDetails = z.object({ maxSyncWaits: z.number() });

export const streamsDetails = z.object({ maxStreams: z.number() });

export const deadLetterDetails = z.object({ seq: z.number() });

export const unauthorizedDetails = z.object({ reason: z.enum(["missing_token", "invalid_token"]) });

export const forbiddenDetails = z.discriminatedUnion("reason", [
  z.object({ reason: z.literal("missing_scope"), scope: z.string(), token: z.string() }),
  z.object({ reason: z.literal("origin_not_allowed"), origin: z.string() }),
]);

export const hostDetails = z.object({ host: z.string() });

export const invocationDetails = z.object({ invocationId: z.string() });

export const payloadObjectDetails = z.object({ object: z.string() });

export const lockDetails = z.object({ owner: z.string() });

export const transitionDetails = z.object({ from: z.string().nullable(), to: z.string(), instanceId: z.string().optional() });

export const eventTypeDetails = z.object({ type: z.string(), schemaVersion: z.number().optional() });

export const serverDetails = z.object({ url: z.string() });

export const binaryDetails = z.object({ binary: z.string() });
