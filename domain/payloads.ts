import { z } from "zod";

/**
 * Inputs and outputs too large for a NATS message travel by reference: the JSON bytes go to
 * this JetStream object store bucket, under a name tied to the invocation, and the request or
 * result names the object. The bucket keeps objects for the result TTL.
 */
export const PAYLOAD_BUCKET = "spear_payloads";

/** The largest input or output Spear carries (by reference). */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

/** What a runtime reads from a guest at most per call: the largest output, with room for the protocol's framing. */
export const MAX_GUEST_OUTPUT_BYTES = MAX_PAYLOAD_BYTES + 64 * 1024;

/** Inputs and outputs whose JSON is larger than this go by reference (a NATS message holds 1 MiB with its headers). */
export const INLINE_PAYLOAD_BYTES = 512 * 1024;

/** The object holding an invocation's input: a referenced input must be this one. */
export const inputObject = (invocationId: string) => `input/${invocationId}`;
export const outputObject = (invocationId: string) => `output/${invocationId}`;

/** An input or output held in the payload bucket: the object's name and its size in bytes. */
export const PayloadRef = z.object({
  object: z.string().min(1).max(256),
  size: z.number().int().nonnegative().max(MAX_PAYLOAD_BYTES),
});
export type PayloadRef = z.infer<typeof PayloadRef>;
