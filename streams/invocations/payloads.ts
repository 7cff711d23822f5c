import type { JetStreamClient } from "@nats-io/jetstream";
import { Objm, type ObjectStore } from "@nats-io/obj";
import { nanos } from "@nats-io/transport-node";
import { SpearError } from "../../domain/errors.js";
import type { InvocationFinished } from "../../domain/events/invocation.js";
import { INLINE_PAYLOAD_BYTES, inputObject, MAX_PAYLOAD_BYTES, PAYLOAD_BUCKET, type PayloadRef } from "../../domain/payloads.js";
import { decodeJson, encodeJson } from "../json.js";

/** Creates the payload bucket when missing; its objects live as long as results do. */
export const ensurePayloadBucket = (js: JetStreamClient, o: { replicas: number; ttlMs: number }): Promise<ObjectStore> =>
  new Objm(js).create(PAYLOAD_BUCKET, { replicas: o.replicas, ttl: nanos(o.ttlMs), description: "Spear inputs and outputs too large for a message" });

/**
 * Inputs and outputs held by reference in the payload bucket. The bucket is opened on first
 * use, and again after a failure (it may be created after this process started).
 */
export class Payloads {
  private store: Promise<ObjectStore> | null = null;

  constructor(private readonly js: JetStreamClient) {}

  /** Stores JSON bytes under `object` (replacing what was there) and names them. */
  async put(object: string, bytes: Uint8Array): Promise<PayloadRef> {
    if (bytes.length > MAX_PAYLOAD_BYTES) {
      throw new SpearError("payload_too_large", `${bytes.length} bytes is more than the ${MAX_PAYLOAD_BYTES} bytes an input or output may hold`, {
        size: bytes.length,
        maxBytes: MAX_PAYLOAD_BYTES,
      });
    }
    const os = await this.open();
    await os.putBlob({ name: object }, bytes);
    return { object, size: bytes.length };
  }

  /** Whether `ref` names an object that exists with that size. */
  async holds(ref: PayloadRef): Promise<boolean> {
    const info = await (await this.open()).info(ref.object);
    return info !== null && !info.deleted && info.size === ref.size;
  }

  /** The JSON bytes of a referenced payload; `payload_not_found` when the object is gone or differs from the reference. */
  async get(ref: PayloadRef): Promise<Uint8Array> {
    const bytes = await (await this.open()).getBlob(ref.object);
    if (!bytes || bytes.length !== ref.size) {
      throw new SpearError("payload_not_found", `object ${ref.object} of ${PAYLOAD_BUCKET} is ${bytes ? `${bytes.length} bytes, not ${ref.size}` : "missing"}`, {
        object: ref.object,
      });
    }
    return bytes;
  }

  /** The request as it goes on the wire: an input too large for a message is stored first, and the request names it. */
  async externalizeInput<B extends { input?: unknown; inputRef?: PayloadRef }>(invocationId: string, body: B): Promise<B> {
    if (body.inputRef) return body;
    const bytes = encodeJson(body.input ?? null);
    if (bytes.length <= INLINE_PAYLOAD_BYTES) return body;
    return { ...body, input: undefined, inputRef: await this.put(inputObject(invocationId), bytes) };
  }

  /** A result whose output was stored by reference, with the output filled in. */
  async resolveOutput(result: InvocationFinished): Promise<InvocationFinished> {
    if (!result.outputRef || result.output !== undefined) return result;
    return { ...result, output: decodeJson(await this.get(result.outputRef)) };
  }

  private open(): Promise<ObjectStore> {
    this.store ??= new Objm(this.js).open(PAYLOAD_BUCKET).catch((e: unknown) => {
      this.store = null;
      throw e;
    });
    return this.store;
  }
}
